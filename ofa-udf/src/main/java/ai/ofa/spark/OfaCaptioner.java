package ai.ofa.spark;

import ai.ofa.task.Captioning;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
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
public class OfaCaptioner extends OfaTransformer {
    private final IntParam beamSize = new IntParam(this, "beamSize", "beam size (> 0)", ParamValidators.gt(0));
    private final IntParam maxLen = new IntParam(this, "maxLen", "most tokens generated (> 0)", ParamValidators.gt(0));

    public OfaCaptioner() {
        this(Identifiable.randomUID("ofaCaptioner"));
    }

    public OfaCaptioner(String uid) {
        super(uid);
        setDefault(beamSize, Captioning.DEFAULTS.beamSize());
        setDefault(maxLen, Captioning.DEFAULTS.maxLen());
    }

    public IntParam beamSize() {
        return beamSize;
    }

    public IntParam maxLen() {
        return maxLen;
    }

    public OfaCaptioner setBeamSize(int v) {
        set(beamSize, v);
        return this;
    }

    public OfaCaptioner setMaxLen(int v) {
        set(maxLen, v);
        return this;
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
        final int beam = (Integer) value(beamSize);
        final int len = (Integer) value(maxLen);
        return (model, images, rows) ->
                new Captioning(model, Captioning.DEFAULTS.withBeam(beam).withMaxLen(len)).run(images);
    }

    public static MLReader<OfaCaptioner> read() {
        return new DefaultParamsReader<>();
    }

    public static OfaCaptioner load(String path) {
        return read().load(path);
    }
}
