package ai.ofa.jobs.corpus.dedup;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static ai.ofa.jobs.TestImages.rescaled;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Each leakage rule catches its case on real photographs, the manifest says which, the rest is kept. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LeakageFilterTest {
    private SparkSession spark;

    @BeforeAll
    void start() {
        spark = SparkSession.builder().master("local[2]").appName("leakage").config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4").getOrCreate();
    }

    @AfterAll
    void stop() {
        spark.stop();
    }

    @Test
    void canonicalIdContentHashAndPerceptualHashEachCatchTheirCase() throws Exception {
        Path data = PerceptualHashPhotoTest.skimageData();
        byte[] astronaut = Files.readAllBytes(data.resolve("astronaut.png"));
        byte[] chelsea = Files.readAllBytes(data.resolve("chelsea.png"));
        byte[] coffee = Files.readAllBytes(data.resolve("coffee.png"));
        byte[] camera = Files.readAllBytes(data.resolve("camera.png"));
        StructType corpusSchema = new StructType().add("record_id", DataTypes.StringType)
                .add("source", DataTypes.StringType).add("image_key", DataTypes.StringType)
                .add("image", DataTypes.BinaryType);
        List<Row> corpus = List.of(
                RowFactory.create("c1", "coco", "coco:391895", rescaled(chelsea, "jpg", 0.9)),   // same id
                RowFactory.create("c2", "cc3m", null, rescaled(astronaut, "bmp", 1.0)),          // same pixels
                RowFactory.create("c3", "cc3m", null, rescaled(coffee, "jpg", 0.5)),             // near copy
                RowFactory.create("c4", "sbu", null, Files.readAllBytes(data.resolve("coins.png"))),
                RowFactory.create("c5", "sbu", null, new byte[]{1, 2, 3}),
                RowFactory.create("c6", "coco", "coco:9", Files.readAllBytes(data.resolve("hubble_deep_field.jpg"))));
        StructType evalSchema = new StructType().add("eval_set", DataTypes.StringType)
                .add("item_id", DataTypes.StringType).add("image_key", DataTypes.StringType)
                .add("image", DataTypes.BinaryType);
        List<Row> eval = List.of(
                RowFactory.create("coco_karpathy_test", "391895", "coco:391895", chelsea),
                RowFactory.create("refcoco_val", "astronaut", null, astronaut),
                RowFactory.create("vqav2_val", "coffee", null, coffee),
                RowFactory.create("snli_ve_test", "camera", "flickr30k:1", camera));
        LeakageFilter.Result r = LeakageFilter.apply(spark.createDataFrame(corpus, corpusSchema),
                spark.createDataFrame(eval, evalSchema), ImageHash.PDQ, CorpusDefaults.PDQ_MAX_DISTANCE);
        Map<String, String> rule = new HashMap<>();
        Map<String, String> set = new HashMap<>();
        for (Row m : r.manifest().collectAsList()) {
            rule.merge(m.getAs("record_id"), m.getAs("rule"), (a, b) -> a + "," + b);
            set.put(m.getAs("record_id"), m.getAs("eval_set"));
        }
        assertEquals(Map.of("c1", "canonical_id", "c2", "content_hash", "c3", "phash", "c5", "unreadable_image"), rule);
        assertEquals("coco_karpathy_test", set.get("c1"));
        assertEquals("refcoco_val", set.get("c2"));
        assertEquals("vqav2_val", set.get("c3"));
        Set<String> kept = r.kept().select("record_id").collectAsList().stream().map(x -> x.getString(0))
                .collect(Collectors.toSet());
        assertEquals(Set.of("c4", "c6"), kept);
        List<Row> counts = LeakageFilter.counts(r.manifest());
        assertEquals(4, counts.size());
    }
}
