package ai.ofa.spark;

import ai.ofa.task.Box;
import ai.ofa.task.Detection;
import ai.ofa.task.OfaResult;
import ai.ofa.task.Outcome;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The struct every OFA stage writes per row: the task's result fields (null where the task has none), then
 * {@code status} ("ok" | "error"), {@code error} (the reason, naming the input), and provenance (model name and
 * SHA-256, ONNX Runtime version). The same layout is described in {@code schemas/ofa-result.avsc}.
 */
public final class ResultSchema {
    public static final StructType BOX = new StructType()
            .add("x0", DataTypes.DoubleType).add("y0", DataTypes.DoubleType)
            .add("x1", DataTypes.DoubleType).add("y1", DataTypes.DoubleType);
    public static final StructType DETECTION = new StructType()
            .add("label", DataTypes.StringType).add("box", BOX).add("score", DataTypes.DoubleType);
    public static final StructType RESULT = new StructType(new StructField[]{
        DataTypes.createStructField("text", DataTypes.StringType, true),
        DataTypes.createStructField("tokens", DataTypes.createArrayType(DataTypes.IntegerType, false), true),
        DataTypes.createStructField("token_logprobs", DataTypes.createArrayType(DataTypes.FloatType, false), true),
        DataTypes.createStructField("score", DataTypes.DoubleType, true),
        DataTypes.createStructField("box", BOX, true),
        DataTypes.createStructField("bins", DataTypes.createArrayType(DataTypes.IntegerType, false), true),
        DataTypes.createStructField("detections", DataTypes.createArrayType(DETECTION, false), true),
        DataTypes.createStructField("label", DataTypes.StringType, true),
        DataTypes.createStructField("answer", DataTypes.StringType, true),
        DataTypes.createStructField("probability", DataTypes.DoubleType, true),
        DataTypes.createStructField("status", DataTypes.StringType, false),
        DataTypes.createStructField("error", DataTypes.StringType, true),
        DataTypes.createStructField("model_name", DataTypes.StringType, true),
        DataTypes.createStructField("model_sha256", DataTypes.StringType, true),
        DataTypes.createStructField("onnxruntime_version", DataTypes.StringType, true),
    });

    private ResultSchema() {
    }

    public static Row toRow(Outcome<OfaResult> outcome, Map<String, String> provenance) {
        String name = provenance.get("model_name");
        String sha = provenance.get("model_sha256");
        String ort = provenance.get("onnxruntime_version");
        if (!outcome.isOk()) {
            return RowFactory.create(null, null, null, null, null, null, null, null, null, null, "error",
                    outcome.error(), name, sha, ort);
        }
        OfaResult r = outcome.value();
        scala.collection.Seq<Row> dets = null;
        if (r.detections() != null) {
            List<Row> list = new ArrayList<>();
            for (Detection d : r.detections()) {
                list.add(RowFactory.create(d.label(), box(d.box()), d.score()));
            }
            dets = seq(list);
        }
        return RowFactory.create(r.text(), ints(r.tokens()), floats(r.tokenLogprobs()), r.score(), box(r.box()),
                ints(r.bins()), dets, r.label(), r.answer(), r.probability(), "ok", null, name, sha, ort);
    }

    /** An error row for a failure that happened before the model could be asked (e.g. the model did not load). */
    public static Row errorRow(String error) {
        return RowFactory.create(null, null, null, null, null, null, null, null, null, null, "error", error,
                null, null, null);
    }

    private static Row box(Box b) {
        return b == null ? null : RowFactory.create(b.x0(), b.y0(), b.x1(), b.y1());
    }

    /** Spark's external type for arrays in a Row is a Scala Seq. */
    private static <T> scala.collection.Seq<T> seq(List<T> list) {
        return scala.jdk.javaapi.CollectionConverters.asScala(list).toSeq();
    }

    private static scala.collection.Seq<Integer> ints(int[] xs) {
        if (xs == null) {
            return null;
        }
        List<Integer> out = new ArrayList<>(xs.length);
        for (int x : xs) {
            out.add(x);
        }
        return seq(out);
    }

    private static scala.collection.Seq<Float> floats(float[] xs) {
        if (xs == null) {
            return null;
        }
        List<Float> out = new ArrayList<>(xs.length);
        for (float x : xs) {
            out.add(x);
        }
        return seq(out);
    }
}
