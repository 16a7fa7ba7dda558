package ai.ofa.spark;

import ai.ofa.task.ImageTextMatching;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.StructType;

import java.util.List;

/**
 * Image-text matching over a text column ({@link ImageTextMatching}): {@code itm.probability} is P(the text
 * describes the image), the usual filter for noisy alt-text; {@code itm.answer} is yes or no.
 *
 * <pre>{@code new OfaImageTextMatcher().setTextCol("caption").setModelPath(pkg).transform(df)
 *         .filter("itm.probability > 0.5")}</pre>
 */
public class OfaImageTextMatcher extends OfaTransformer {
    private final Param<String> textCol = new Param<>(this, "textCol", "string column of texts to match");

    public OfaImageTextMatcher() {
        this(Identifiable.randomUID("ofaImageTextMatcher"));
    }

    public OfaImageTextMatcher(String uid) {
        super(uid);
        setDefault(textCol, "text");
    }

    public Param<String> textCol() {
        return textCol;
    }

    public OfaImageTextMatcher setTextCol(String v) {
        set(textCol, v);
        return this;
    }

    @Override
    protected String defaultOutputCol() {
        return "itm";
    }

    @Override
    protected List<Param<String>> textColParams() {
        return List.of(textCol);
    }

    @Override
    protected BatchTask batchTask(StructType schema) {
        final int t = schema.fieldIndex(value(textCol));
        return (model, images, rows) -> new ImageTextMatching(model).run(images, strings(rows, t));
    }

    public static MLReader<OfaImageTextMatcher> read() {
        return new DefaultParamsReader<>();
    }

    public static OfaImageTextMatcher load(String path) {
        return read().load(path);
    }
}
