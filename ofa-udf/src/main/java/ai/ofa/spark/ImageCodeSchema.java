package ai.ofa.spark;

import ai.ofa.image.CodeGrid;
import ai.ofa.model.OnnxBackend;
import ai.ofa.task.GeneratedImage;
import ai.ofa.task.Outcome;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The structs the image-code stages write per row. Generated images: {@code png}, {@code width}, {@code height},
 * {@code codes} (row-major), {@code score} (sequence log-prob), {@code candidate_scores} (every sample, best
 * first), {@code seed}; codes of images: {@code codes}, {@code rows}, {@code cols}. Both end with {@code status}
 * ("ok" | "error"), {@code error} (naming the row's item) and provenance: the OFA model's name and SHA-256 (generator
 * only), the VQGAN's, and the ONNX Runtime version.
 */
public final class ImageCodeSchema {
    public static final StructType GENERATED = new StructType()
            .add("png", DataTypes.BinaryType, true)
            .add("width", DataTypes.IntegerType, true)
            .add("height", DataTypes.IntegerType, true)
            .add("codes", DataTypes.createArrayType(DataTypes.IntegerType, false), true)
            .add("score", DataTypes.DoubleType, true)
            .add("candidate_scores", DataTypes.createArrayType(DataTypes.DoubleType, false), true)
            .add("seed", DataTypes.LongType, true)
            .add("status", DataTypes.StringType, false)
            .add("error", DataTypes.StringType, true)
            .add("model_name", DataTypes.StringType, true)
            .add("model_sha256", DataTypes.StringType, true)
            .add("vqgan_name", DataTypes.StringType, true)
            .add("vqgan_sha256", DataTypes.StringType, true)
            .add("onnxruntime_version", DataTypes.StringType, true);

    public static final StructType CODES = new StructType()
            .add("codes", DataTypes.createArrayType(DataTypes.IntegerType, false), true)
            .add("rows", DataTypes.IntegerType, true)
            .add("cols", DataTypes.IntegerType, true)
            .add("status", DataTypes.StringType, false)
            .add("error", DataTypes.StringType, true)
            .add("vqgan_name", DataTypes.StringType, true)
            .add("vqgan_sha256", DataTypes.StringType, true)
            .add("onnxruntime_version", DataTypes.StringType, true);

    private ImageCodeSchema() {
    }

    static Row generated(Outcome<GeneratedImage> o, long seed, Map<String, String> model, Map<String, String> vq) {
        String ort = OnnxBackend.onnxRuntimeVersion();
        if (!o.isOk()) {
            return RowFactory.create(null, null, null, null, null, null, seed, "error", o.error(),
                    model.get("model_name"), model.get("model_sha256"), vq.get("vqgan_name"), vq.get("vqgan_sha256"),
                    ort);
        }
        GeneratedImage g = o.value();
        List<Double> scores = new ArrayList<>();
        g.candidates().forEach(c -> scores.add(c.score()));
        return RowFactory.create(g.png(), g.width(), g.height(), ints(g.codes()), g.score(), seq(scores), seed, "ok",
                null, model.get("model_name"), model.get("model_sha256"), vq.get("vqgan_name"),
                vq.get("vqgan_sha256"), ort);
    }

    static Row codes(Outcome<CodeGrid> o, Map<String, String> vq) {
        String ort = OnnxBackend.onnxRuntimeVersion();
        if (!o.isOk()) {
            return RowFactory.create(null, null, null, "error", o.error(), vq.get("vqgan_name"), vq.get("vqgan_sha256"),
                    ort);
        }
        CodeGrid g = o.value();
        return RowFactory.create(ints(g), g.rows(), g.cols(), "ok", null, vq.get("vqgan_name"), vq.get("vqgan_sha256"),
                ort);
    }

    private static scala.collection.Seq<Integer> ints(CodeGrid g) {
        List<Integer> out = new ArrayList<>(g.size());
        for (int c : g.codes()) {
            out.add(c);
        }
        return seq(out);
    }

    private static <T> scala.collection.Seq<T> seq(List<T> list) {
        return scala.jdk.javaapi.CollectionConverters.asScala(list).toSeq();
    }
}
