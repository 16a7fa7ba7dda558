package ai.ofa.spark;

import ai.ofa.task.Captioning;
import ai.ofa.task.Scoring;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The model's log-probability of a target text column after a fixed prompt ({@link Scoring}): {@code score.score}
 * is the sum of the target's token log-probs (eos included), {@code score.token_logprobs} each token's. With the
 * caption prompt, the default, it scores existing captions; the prompt is used verbatim (OFA's prompts begin with a
 * space).
 *
 * <pre>{@code new OfaScorer().setTargetCol("alt_text").setModelPath(pkg).transform(df)   // score.score}</pre>
 */
public class OfaScorer extends OfaTransformer {
    private final Param<String> targetCol = new Param<>(this, "targetCol", "string column of target texts");
    private final Param<String> prompt = new Param<>(this, "prompt", "the prompt the targets follow (verbatim)");
    private final Param<String> resolutionTask = new Param<>(this, "resolutionTask",
            "the package task whose image resolution to use (caption, vqa, grounding, score, ...)");

    public OfaScorer() {
        this(Identifiable.randomUID("ofaScorer"));
    }

    public OfaScorer(String uid) {
        super(uid);
        setDefault(targetCol, "target");
        setDefault(prompt, Captioning.PROMPT);
        setDefault(resolutionTask, "score");
    }

    public Param<String> targetCol() {
        return targetCol;
    }

    public Param<String> prompt() {
        return prompt;
    }

    public Param<String> resolutionTask() {
        return resolutionTask;
    }

    public OfaScorer setTargetCol(String v) {
        set(targetCol, v);
        return this;
    }

    public OfaScorer setPrompt(String v) {
        set(prompt, v);
        return this;
    }

    public OfaScorer setResolutionTask(String v) {
        set(resolutionTask, v);
        return this;
    }

    @Override
    protected String defaultOutputCol() {
        return "score";
    }

    @Override
    protected List<Param<String>> textColParams() {
        return List.of(targetCol);
    }

    @Override
    protected BatchTask batchTask(StructType schema) {
        final int t = schema.fieldIndex(value(targetCol));
        final String p = value(prompt);
        final String task = value(resolutionTask);
        return (model, images, rows) -> {
            List<String> prompts = new ArrayList<>(Collections.nCopies(rows.size(), p));
            return new Scoring(model, task).run(images, prompts, strings(rows, t));
        };
    }

    public static MLReader<OfaScorer> read() {
        return new DefaultParamsReader<>();
    }

    public static OfaScorer load(String path) {
        return read().load(path);
    }
}
