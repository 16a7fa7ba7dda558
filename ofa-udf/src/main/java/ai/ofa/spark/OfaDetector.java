package ai.ofa.spark;

import ai.ofa.task.DetectionTask;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.StructType;

import java.util.List;

/** Object detection: {@code detections} [{label, box, score}] per image. */
public class OfaDetector extends OfaTransformer {
    private final IntParam beamSize = new IntParam(this, "beamSize", "beam size (> 0)", ParamValidators.gt(0));
    private final IntParam maxLen = new IntParam(this, "maxLen", "most tokens generated (> 0)", ParamValidators.gt(0));

    public OfaDetector() {
        this(Identifiable.randomUID("ofaDetector"));
    }

    public OfaDetector(String uid) {
        super(uid);
        setDefault(beamSize, DetectionTask.DEFAULTS.beamSize());
        setDefault(maxLen, DetectionTask.DEFAULTS.maxLen());
    }

    public IntParam beamSize() {
        return beamSize;
    }

    public IntParam maxLen() {
        return maxLen;
    }

    public OfaDetector setBeamSize(int v) {
        set(beamSize, v);
        return this;
    }

    public OfaDetector setMaxLen(int v) {
        set(maxLen, v);
        return this;
    }

    @Override
    protected String defaultOutputCol() {
        return "detection";
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
                new DetectionTask(model, DetectionTask.DEFAULTS.withBeam(beam).withMaxLen(len)).run(images);
    }

    public static MLReader<OfaDetector> read() {
        return new DefaultParamsReader<>();
    }

    public static OfaDetector load(String path) {
        return read().load(path);
    }
}
