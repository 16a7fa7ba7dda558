package ai.ofa.spark;

import ai.ofa.generate.SearchSettings;
import ai.ofa.task.Classification;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;
import java.util.List;

/** Classification over a fixed label set: {@code label} and its {@code probability} among the labels. */
public class OfaClassifier extends OfaTransformer {
    private final StringArrayParam labels = new StringArrayParam(this, "labels", "candidate labels (non-empty)",
            (String[] v) -> v.length > 0 && Arrays.stream(v).noneMatch(s -> s == null || s.isBlank()));
    private final BooleanParam trie = new BooleanParam(this, "trie",
            "decode with a prefix trie of the labels instead of scoring every label");

    public OfaClassifier() {
        this(Identifiable.randomUID("ofaClassifier"));
    }

    public OfaClassifier(String uid) {
        super(uid);
        setDefault(trie, false);
    }

    public StringArrayParam labels() {
        return labels;
    }

    public BooleanParam trie() {
        return trie;
    }

    public OfaClassifier setLabels(String[] v) {
        set(labels, v);
        return this;
    }

    public OfaClassifier setTrie(boolean v) {
        set(trie, v);
        return this;
    }

    @Override
    protected String defaultOutputCol() {
        return "classification";
    }

    @Override
    protected List<Param<String>> textColParams() {
        return List.of();
    }

    @Override
    public StructType transformSchema(StructType schema) {
        if (!isDefined(labels)) {
            throw new IllegalArgumentException("OfaClassifier: labels are not set (setLabels)");
        }
        return super.transformSchema(schema);
    }

    @Override
    protected BatchTask batchTask(StructType schema) {
        final List<String> candidates = List.of(getOrDefault(labels));
        final boolean useTrie = (Boolean) value(trie);
        return (model, images, rows) -> new Classification(model, useTrie, SearchSettings.beam(5).withMaxLen(32))
                .run(images, candidates);
    }

    public static MLReader<OfaClassifier> read() {
        return new DefaultParamsReader<>();
    }

    public static OfaClassifier load(String path) {
        return read().load(path);
    }
}
