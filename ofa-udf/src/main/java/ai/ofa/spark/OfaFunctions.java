package ai.ofa.spark;

import ai.ofa.model.OfaModel;
import ai.ofa.task.Captioning;
import ai.ofa.task.Classification;
import ai.ofa.task.DetectionTask;
import ai.ofa.task.Grounding;
import ai.ofa.task.Vqa;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;

import java.util.List;

/**
 * OFA as Spark SQL functions. Each call runs one image (SQL UDFs see one row at a time); for throughput over large
 * tables use the batching stages ({@link OfaCaptioner}, {@link OfaGrounder}).
 *
 * <pre>{@code
 * OfaFunctions.register(spark, "hdfs:///models/ofa-base");
 * spark.sql("SELECT key, ofa_caption(image).text FROM images");
 * spark.sql("SELECT ofa_ground(image, expr).box FROM refs");
 * spark.sql("SELECT ofa_detect(image).detections, ofa_classify(image, array('cat', 'dog')).label,"
 *         + " ofa_vqa(image, question).answer FROM images");
 * }</pre>
 */
public final class OfaFunctions {
    private OfaFunctions() {
    }

    public static void register(SparkSession spark, String modelPath) {
        register(spark, modelPath, "auto", 1);
    }

    public static void register(SparkSession spark, String modelPath, String device, int threads) {
        SparkDevice.Mode mode = SparkDevice.parse(device);
        spark.udf().register("ofa_caption", (UDF1<byte[], Row>) image -> {
            OfaModel m = ModelRegistry.get(modelPath, SparkDevice.resolve(mode), threads);
            return ResultSchema.toRow(new Captioning(m).run(singleton(image)).get(0), m.provenance());
        }, ResultSchema.RESULT);
        spark.udf().register("ofa_ground", (UDF2<byte[], String, Row>) (image, text) -> {
            OfaModel m = ModelRegistry.get(modelPath, SparkDevice.resolve(mode), threads);
            return ResultSchema.toRow(new Grounding(m).run(singleton(image), singleton(text)).get(0), m.provenance());
        }, ResultSchema.RESULT);
        spark.udf().register("ofa_detect", (UDF1<byte[], Row>) image -> {
            OfaModel m = ModelRegistry.get(modelPath, SparkDevice.resolve(mode), threads);
            return ResultSchema.toRow(new DetectionTask(m).run(singleton(image)).get(0), m.provenance());
        }, ResultSchema.RESULT);
        spark.udf().register("ofa_classify", (UDF2<byte[], scala.collection.Seq<String>, Row>) (image, labels) -> {
            OfaModel m = ModelRegistry.get(modelPath, SparkDevice.resolve(mode), threads);
            if (labels == null || labels.isEmpty()) {
                return ResultSchema.errorRow("ofa_classify: the label array is null or empty");
            }
            List<String> l = scala.jdk.javaapi.CollectionConverters.asJava(labels);
            return ResultSchema.toRow(new Classification(m).run(singleton(image), l).get(0), m.provenance());
        }, ResultSchema.RESULT);
        spark.udf().register("ofa_vqa", (UDF2<byte[], String, Row>) (image, question) -> {
            OfaModel m = ModelRegistry.get(modelPath, SparkDevice.resolve(mode), threads);
            return ResultSchema.toRow(new Vqa(m, Vqa.Mode.FREE).run(singleton(image), singleton(question), null)
                    .get(0), m.provenance());
        }, ResultSchema.RESULT);
    }

    private static <T> List<T> singleton(T value) {
        java.util.ArrayList<T> l = new java.util.ArrayList<>(1);
        l.add(value);
        return l;
    }
}
