package ai.ofa.spark;

import ai.ofa.generate.SearchSettings;
import ai.ofa.task.DetectionTask;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.StructType;

import java.util.List;

/** Object detection: {@code detections} [{label, box, score}] per image. */
public class OfaDetector extends OfaDecodingTransformer {
    public OfaDetector() {
        this(Identifiable.randomUID("ofaDetector"));
    }

    public OfaDetector(String uid) {
        super(uid, DetectionTask.DEFAULTS);
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
        final SearchSettings s = settings(DetectionTask.DEFAULTS);
        return (model, images, rows) -> new DetectionTask(model, s).run(images);
    }

    public static MLReader<OfaDetector> read() {
        return new DefaultParamsReader<>();
    }

    public static OfaDetector load(String path) {
        return read().load(path);
    }
}
