package ai.ofa.spark;

import ai.ofa.generate.SearchSettings;
import ai.ofa.task.Captioning;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.StructType;

import java.util.List;

/**
 * Captions a binary image column. Reference decoding by default (beam 5, 16 tokens, no repeated trigram).
 *
 * <pre>{@code
 * Dataset<Row> out = new OfaCaptioner().setModelPath("s3a://models/ofa-base").setInputCol("image")
 *         .setOutputCol("caption").transform(images);   // caption.text, caption.status, caption.error, ...
 * }</pre>
 */
public class OfaCaptioner extends OfaDecodingTransformer {
    public OfaCaptioner() {
        this(Identifiable.randomUID("ofaCaptioner"));
    }

    public OfaCaptioner(String uid) {
        super(uid, Captioning.DEFAULTS);
    }

    @Override
    protected String defaultOutputCol() {
        return "caption";
    }

    @Override
    protected List<Param<String>> textColParams() {
        return List.of();
    }

    @Override
    protected BatchTask batchTask(StructType schema) {
        final SearchSettings s = settings(Captioning.DEFAULTS);
        return (model, images, rows) -> new Captioning(model, s).run(images);
    }

    public static MLReader<OfaCaptioner> read() {
        return new DefaultParamsReader<>();
    }

    public static OfaCaptioner load(String path) {
        return read().load(path);
    }
}
