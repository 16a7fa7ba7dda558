package ai.ofa.spark;

import ai.ofa.task.Vqa;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.StructType;

import java.util.List;

/**
 * Visual question answering over a question column: free generation, or with {@code answers} set, the best of a
 * fixed answer list (all-candidate scoring, or a trie with {@code trie=true}).
 */
public class OfaVqa extends OfaTransformer {
    private final Param<String> questionCol = new Param<>(this, "questionCol", "string column of questions");
    private final StringArrayParam answers = new StringArrayParam(this, "answers",
            "optional closed answer list; empty means free generation");
    private final BooleanParam trie = new BooleanParam(this, "trie", "with answers: trie decoding instead of scoring");

    public OfaVqa() {
        this(Identifiable.randomUID("ofaVqa"));
    }

    public OfaVqa(String uid) {
        super(uid);
        setDefault(questionCol, "question");
        setDefault(answers, new String[0]);
        setDefault(trie, false);
    }

    public Param<String> questionCol() {
        return questionCol;
    }

    public StringArrayParam answers() {
        return answers;
    }

    public BooleanParam trie() {
        return trie;
    }

    public OfaVqa setQuestionCol(String v) {
        set(questionCol, v);
        return this;
    }

    public OfaVqa setAnswers(String[] v) {
        set(answers, v);
        return this;
    }

    public OfaVqa setTrie(boolean v) {
        set(trie, v);
        return this;
    }

    @Override
    protected String defaultOutputCol() {
        return "vqa";
    }

    @Override
    protected List<Param<String>> textColParams() {
        return List.of(questionCol);
    }

    @Override
    protected BatchTask batchTask(StructType schema) {
        final int q = schema.fieldIndex(value(questionCol));
        final List<String> closed = List.of(getOrDefault(answers));
        final Vqa.Mode mode = closed.isEmpty() ? Vqa.Mode.FREE
                : (Boolean) value(trie) ? Vqa.Mode.TRIE : Vqa.Mode.ALL_CANDIDATES;
        return (model, images, rows) ->
                new Vqa(model, mode).run(images, strings(rows, q), closed.isEmpty() ? null : closed);
    }

    public static MLReader<OfaVqa> read() {
        return new DefaultParamsReader<>();
    }

    public static OfaVqa load(String path) {
        return read().load(path);
    }
}
