package ai.ofa.spark;

import ai.ofa.generate.SamplingSettings;
import ai.ofa.image.CodeGrid;
import ai.ofa.model.OfaModel;
import ai.ofa.model.SessionSettings;
import ai.ofa.model.VqganModel;
import ai.ofa.task.GeneratedImage;
import ai.ofa.task.ImageCoding;
import ai.ofa.task.TextToImage;
import ai.ofa.testing.Fixtures;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OfaImageGenerator and OfaImageCoder on local[2]: every row gets its own input, and its result equals the runtime
 * called on that row alone; bad rows get their own error; provenance columns; save and load keep the params.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageCodeStagesSparkTest {
    private SparkSession spark;
    private String pkg;
    private String vqgan;
    private Path root;

    @BeforeAll
    void start() {
        spark = SparkSession.builder().master("local[2]").appName("image-code-stages-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        root = Fixtures.projectRoot();
        pkg = root.resolve("models/ofa-tiny-random").toString();
        vqgan = Fixtures.built("vqgan/reference/package").toString();
    }

    @AfterAll
    void stop() {
        spark.stop();
    }

    static List<Integer> list(int[] xs) {
        List<Integer> out = new ArrayList<>();
        for (int x : xs) {
            out.add(x);
        }
        return out;
    }

    @Test
    void generatorGivesEachRowWhatTheRuntimeGivesItAlone() {
        StructType schema = new StructType().add("key", DataTypes.StringType).add("caption", DataTypes.StringType);
        String[] captions = {"a red circle", "two dogs playing in the snow", "a cat on a sofa", "the small square"};
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < captions.length; i++) {
            rows.add(RowFactory.create("c" + i, captions[i]));
        }
        rows.add(RowFactory.create("null", null));
        rows.add(RowFactory.create("blank", "   "));
        Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(2);
        OfaImageGenerator stage = (OfaImageGenerator) new OfaImageGenerator().setSeed(21).setTopK(50)
                .setModelPath(pkg).setVqganPath(vqgan).setBatchSize(2);
        List<Row> out = stage.transform(df).select("key", "generated").collectAsList();
        assertEquals(6, out.size(), "rows out == rows in");
        Map<String, Row> byKey = new HashMap<>();
        out.forEach(r -> byKey.put(r.getString(0), r.getStruct(1)));
        SamplingSettings s = SamplingSettings.reference().withSeed(21).withTopK(50);
        try (OfaModel m = OfaModel.load(Path.of(pkg), SessionSettings.DEFAULT);
             VqganModel vq = VqganModel.load(Path.of(vqgan), SessionSettings.DEFAULT)) {
            List<List<Integer>> seen = new ArrayList<>();
            for (int i = 0; i < captions.length; i++) {
                GeneratedImage alone = new TextToImage(m, vq, s).run(List.of(captions[i])).get(0).get();
                Row g = byKey.get("c" + i);
                assertEquals("ok", g.getAs("status"), String.valueOf(g));
                assertEquals(list(alone.codes().codes()), g.getList(g.fieldIndex("codes")), captions[i]);
                assertArrayEquals(alone.png(), (byte[]) g.getAs("png"));
                assertEquals(alone.score(), (double) g.getAs("score"), 1e-3);
                assertEquals(256, (int) g.getAs("width"));
                assertEquals(21L, (long) g.getAs("seed"));
                assertEquals("ofa-tiny-random", g.getAs("model_name"));
                assertEquals(vq.vqganPackage().sha256(), g.getAs("vqgan_sha256"));
                assertTrue(((String) g.getAs("onnxruntime_version")).startsWith("1."));
                seen.add(g.getList(g.fieldIndex("codes")));
            }
            assertTrue(seen.stream().distinct().count() > 1, "each row got its own caption");
        }
        Row nul = byKey.get("null");
        assertEquals("error", nul.getAs("status"));
        assertTrue(((String) nul.getAs("error")).contains("caption is empty"), String.valueOf(nul));
        assertEquals("error", byKey.get("blank").getAs("status"));
    }

    @Test
    void coderGivesEachRowItsCodes() throws Exception {
        byte[] astronaut = Files.readAllBytes(root.resolve("testdata/ofa-reference/images/astronaut.png"));
        byte[] hubble = Files.readAllBytes(root.resolve("testdata/ofa-reference/images/hubble_deep_field.jpg"));
        StructType schema = new StructType().add("key", DataTypes.StringType).add("image", DataTypes.BinaryType);
        List<Row> rows = List.of(RowFactory.create("a", astronaut), RowFactory.create("h", hubble),
                RowFactory.create("bad", "nope".getBytes()), RowFactory.create("null", null));
        Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(2);
        try (VqganModel vq = VqganModel.load(Path.of(vqgan), SessionSettings.DEFAULT)) {
            ImageCoding direct = new ImageCoding(vq);
            for (String region : List.of("whole", "middle")) {
                List<Row> out = new OfaImageCoder().setRegion(region).setVqganPath(vqgan).setBatchSize(3)
                        .transform(df).select("key", "image_codes").collectAsList();
                assertEquals(4, out.size());
                Map<String, Row> byKey = new HashMap<>();
                out.forEach(r -> byKey.put(r.getString(0), r.getStruct(1)));
                for (Map.Entry<String, byte[]> e : Map.of("a", astronaut, "h", hubble).entrySet()) {
                    CodeGrid want = (region.equals("whole") ? direct.codes(List.of(e.getValue()))
                            : direct.middleCodes(List.of(e.getValue()))).get(0).get();
                    Row c = byKey.get(e.getKey());
                    assertEquals("ok", c.getAs("status"));
                    assertEquals(list(want.codes()), c.getList(c.fieldIndex("codes")), region + " " + e.getKey());
                    assertEquals(region.equals("whole") ? 32 : 16, (int) c.getAs("rows"));
                    assertEquals("vqgan-reference-fixture", c.getAs("vqgan_name"));
                }
                assertTrue(((String) byKey.get("bad").getAs("error")).contains("Not an image"));
                assertTrue(((String) byKey.get("null").getAs("error")).contains("Image is null"));
            }
        }
    }

    @Test
    void progressAccumulatorsCountRowsAndErrors() throws Exception {
        byte[] astronaut = Files.readAllBytes(root.resolve("testdata/ofa-reference/images/astronaut.png"));
        StructType schema = new StructType().add("key", DataTypes.StringType).add("image", DataTypes.BinaryType);
        List<Row> rows = List.of(RowFactory.create("a", astronaut), RowFactory.create("b", astronaut),
                RowFactory.create("c", astronaut), RowFactory.create("bad", "nope".getBytes()),
                RowFactory.create("null", null));
        org.apache.spark.util.LongAccumulator done = spark.sparkContext().longAccumulator("codes_done");
        org.apache.spark.util.LongAccumulator failed = spark.sparkContext().longAccumulator("codes_failed");
        long out = new OfaImageCoder().setRegion("middle").setVqganPath(vqgan).setBatchSize(2)
                .setProgress(done, failed).transform(spark.createDataFrame(rows, schema).repartition(2)).count();
        assertEquals(5, out);
        assertEquals(5L, done.value(), "every row counted once");
        assertEquals(2L, failed.value(), "the two bad rows");
    }

    @Test
    void schemaProblemsFailBeforeAnyDataMoves() {
        StructType images = new StructType().add("image", DataTypes.BinaryType);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new OfaImageCoder().transformSchema(images))
                .getMessage().contains("vqganPath is not set"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new OfaImageGenerator().setModelPath(pkg)
                .transformSchema(images)).getMessage().contains("Column 'caption' (inputCol) not found"));
        StructType wrong = new StructType().add("caption", DataTypes.BinaryType);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new OfaImageGenerator().setModelPath(pkg)
                .transformSchema(wrong)).getMessage().contains("expected string"));
        assertThrows(IllegalArgumentException.class, () -> new OfaImageCoder().setRegion("left"));
    }

    @Test
    void saveAndLoadKeepTheParams(@TempDir Path tmp) throws Exception {
        OfaImageGenerator g = (OfaImageGenerator) new OfaImageGenerator().setSamples(3).setTopP(0.9).setSeed(5)
                .setModelPath(pkg);
        g.write().save(tmp.resolve("g").toString());
        OfaImageGenerator back = OfaImageGenerator.load(tmp.resolve("g").toString());
        assertEquals(g.sampling(), back.sampling());
        OfaImageCoder c = new OfaImageCoder().setRegion("middle");
        c.write().save(tmp.resolve("c").toString());
        assertEquals("middle", OfaImageCoder.load(tmp.resolve("c").toString()).getOrDefault(c.region()));
    }
}
