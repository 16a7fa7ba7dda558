package ai.ofa.spark;

import ai.ofa.task.Grounding;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.StructType;

import java.util.List;

/**
 * Visual grounding: for each row, the box (original-image pixels) that the text column describes.
 *
 * <pre>{@code new OfaGrounder().setModelPath(pkg).setTextCol("expression").transform(df)   // grounding.box}</pre>
 */
public class OfaGrounder extends OfaTransformer {
    private final Param<String> textCol = new Param<>(this, "textCol", "string column of referring expressions");

    public OfaGrounder() {
        this(Identifiable.randomUID("ofaGrounder"));
    }

    public OfaGrounder(String uid) {
        super(uid);
        setDefault(textCol, "text");
    }

    public Param<String> textCol() {
        return textCol;
    }

    public OfaGrounder setTextCol(String v) {
        set(textCol, v);
        return this;
    }

    @Override
    protected String defaultOutputCol() {
        return "grounding";
    }

    @Override
    protected List<Param<String>> textColParams() {
        return List.of(textCol);
    }

    @Override
    protected BatchTask batchTask(StructType schema) {
        final int textIndex = schema.fieldIndex(value(textCol));
        return (model, images, rows) -> new Grounding(model).run(images, strings(rows, textIndex));
    }

    public static MLReader<OfaGrounder> read() {
        return new DefaultParamsReader<>();
    }

    public static OfaGrounder load(String path) {
        return read().load(path);
    }
}
