package ai.ofa.jobs.corpus;

import ai.ofa.image.CodeGrid;
import ai.ofa.jobs.TestImages;
import ai.ofa.jobs.corpus.dedup.PerceptualHashPhotoTest;
import ai.ofa.model.SessionSettings;
import ai.ofa.model.VqganModel;
import ai.ofa.task.ImageCoding;
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

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Image-infilling codes in the corpus job ({@code vqgan.model}): images without supplied codes get the codes the
 * runtime's {@link ImageCoding#middleCodes} gives the same image; supplied codes are kept as they are; malformed
 * ones, a wrong count, a code outside the codebook and an image that cannot be coded each make a bad record (rows
 * out == rows in); an unusable VQGAN package is refused before any data is read, naming the setting.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CorpusImageCodesTest {
    private SparkSession spark;
    private Path root;
    private Path vqgan;

    @BeforeAll
    void start() {
        spark = SparkSession.builder().master("local[2]").appName("corpus-image-codes")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
        root = Path.of(System.getProperty("ofa.project.root"));
        vqgan = root.resolve("ofa-udf/target/fixtures/vqgan/reference/package");
        assertTrue(Files.isDirectory(vqgan), "the VQGAN test package is built by scripts/build-test-fixtures.sh: "
                + vqgan);
    }

    @AfterAll
    void stop() {
        spark.stop();
    }

    private static String codes(int seed) {
        return IntStream.range(0, 256).mapToObj(i -> String.valueOf((i * 131 + seed) % 8192))
                .collect(Collectors.joining(" "));
    }

    private static String join(CodeGrid g) {
        return java.util.Arrays.stream(g.codes()).mapToObj(String::valueOf).collect(Collectors.joining(" "));
    }

    private static Map<String, String[]> tsv(Path dir) throws Exception {
        Map<String, String[]> out = new HashMap<>();
        for (String line : TestImages.textLines(dir)) {
            String[] cols = line.split("\t", -1);
            out.put(cols[0], cols);
        }
        return out;
    }

    private Properties config(Path tmp, String parquet) {
        Properties p = new Properties();
        p.setProperty("output", tmp.resolve("out").toString());
        p.setProperty("itm.negatives", "false");
        p.setProperty("source.web.type", "img2dataset");
        p.setProperty("source.web.path", parquet);
        p.setProperty("source.web.image_infilling", "true");
        p.setProperty("source.web.image_codes", "codes");
        p.setProperty("vqgan.model", vqgan.toString());
        p.setProperty("vqgan.batch_size", "2");
        return p;
    }

    @Test
    void computedCodesAreTheRuntimesSuppliedOnesKeptAndBadOnesBadRecords(@TempDir Path tmp) throws Exception {
        Map<String, byte[]> images = new LinkedHashMap<>();
        images.put("astronaut", Files.readAllBytes(root.resolve("examples/images/astronaut.png")));
        images.put("hubble", Files.readAllBytes(root.resolve("examples/images/hubble_deep_field.jpg")));
        Path sk = PerceptualHashPhotoTest.skimageData();
        images.put("cat", TestImages.rescaled(Files.readAllBytes(sk.resolve("chelsea.png")), "jpg", 1.0));
        String supplied = codes(3);
        String outside = codes(5).replaceFirst("^\\d+", "8192");
        StructType schema = new StructType().add("key", DataTypes.StringType).add("jpg", DataTypes.BinaryType)
                .add("caption", DataTypes.StringType).add("codes", DataTypes.StringType);
        byte[] coffee = TestImages.rescaled(Files.readAllBytes(sk.resolve("coffee.png")), "jpg", 1.0);
        byte[] camera = TestImages.rescaled(Files.readAllBytes(sk.resolve("camera.png")), "png", 1.0);
        byte[] rocket = TestImages.rescaled(Files.readAllBytes(sk.resolve("rocket.jpg")), "jpg", 1.0);
        List<Row> rows = List.of(
                RowFactory.create("astronaut", images.get("astronaut"), "an astronaut", null),
                RowFactory.create("hubble", images.get("hubble"), "galaxies", "  "),
                RowFactory.create("cat", images.get("cat"), "a cat", supplied),
                RowFactory.create("malformed", coffee, "a cup", "12 7 x 4"),
                RowFactory.create("short", camera, "a man", "5 17 8191"),
                RowFactory.create("outside", rocket, "a rocket", outside),
                RowFactory.create("broken", new byte[]{1, 2, 3}, "nothing", null));
        String parquet = tmp.resolve("web").toString();
        spark.createDataFrame(rows, schema).repartition(2).write().parquet(parquet);

        Map<String, Object> report = CorpusJob.run(spark, CorpusConfig.parse(config(tmp, parquet)));

        Map<String, String[]> image = tsv(tmp.resolve("out/tsv/image"));
        assertEquals(List.of("web:astronaut:infill", "web:cat:infill", "web:hubble:infill"),
                image.keySet().stream().sorted().toList(), report.toString());
        try (VqganModel vq = VqganModel.load(vqgan, SessionSettings.DEFAULT)) {
            ImageCoding coding = new ImageCoding(vq);
            List<String> seen = new ArrayList<>();
            for (String k : List.of("astronaut", "hubble")) {
                String expected = join(coding.middleCodes(List.of(images.get(k))).get(0).get());
                assertEquals(expected, image.get("web:" + k + ":infill")[2], k + ": the runtime's codes");
                assertEquals(256, expected.split(" ").length);
                seen.add(expected);
            }
            assertNotEquals(seen.get(0), seen.get(1), "each image got its own codes");
        }
        assertEquals(supplied, image.get("web:cat:infill")[2], "supplied codes are kept, not recomputed");
        for (String[] line : image.values()) {
            BufferedImage stored = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(line[1])));
            assertEquals(256, stored.getWidth(), line[0]);
            assertEquals(256, stored.getHeight(), line[0]);
        }
        // the Parquet output carries the same codes
        Map<String, String> refs = new HashMap<>();
        spark.read().parquet(tmp.resolve("out/parquet").toString()).filter("task = 'image_infilling'")
                .select("record_id", "refs").collectAsList().forEach(r -> refs.put(r.getString(0), r.getString(1)));
        assertEquals(image.get("web:astronaut:infill")[2], refs.get("web:astronaut:infill"));

        String bad = report.get("bad_records").toString();
        assertTrue(bad.contains("malformed image codes (expected space-separated integers)"), bad);
        assertTrue(bad.contains("wrong image code count (expected 256"), bad);
        assertTrue(bad.contains("image code outside the codebook [0, 8192)"), bad);
        @SuppressWarnings("unchecked") Map<String, Object> coded = (Map<String, Object>) report.get("image_codes");
        assertEquals(2L, coded.get("computed"));
        assertEquals(0L, coded.get("not_computed"), "the undecodable image never reaches the coder");
        // rows out == rows in: 7 infilling records, 3 in the TSV, 3 bad, and the undecodable image's two records
        // (caption and infilling) removed by the fingerprint step as unreadable
        long badInfill = ((List<?>) report.get("bad_records")).stream().map(m -> (Map<?, ?>) m)
                .filter(m -> String.valueOf(m.get("bad_reason")).contains("code"))
                .mapToLong(m -> (Long) m.get("count")).sum();
        assertEquals(3, badInfill, bad);
        assertTrue(report.get("removed_leakage").toString().contains("rule=unreadable_image, eval_set=null, count=2"),
                report.get("removed_leakage").toString());
        assertFalse(report.get("skipped").toString().contains("no image codes"), "nothing skipped: all coded");
    }

    @Test
    void anImageTheCoderCannotUseIsABadRecordAndOtherRecordsPassUntouched() throws Exception {
        StructType schema = new StructType().add("record_id", DataTypes.StringType).add("source", DataTypes.StringType)
                .add("task", DataTypes.StringType).add("image", DataTypes.BinaryType).add("refs", DataTypes.StringType);
        byte[] astronaut = Files.readAllBytes(root.resolve("examples/images/astronaut.png"));
        List<Row> rows = List.of(RowFactory.create("w:a:infill", "w", "image_infilling", astronaut, null),
                RowFactory.create("w:b:infill", "w", "image_infilling", new byte[]{9, 9, 9}, null),
                RowFactory.create("w:c:infill", "w", "image_infilling", astronaut, "1 2 3"),
                RowFactory.create("w:a", "w", "caption", astronaut, null));
        InfillCodes.Result r = InfillCodes.fill(spark.createDataFrame(rows, schema),
                new CorpusConfig.Vqgan(vqgan.toString(), 4, 1, "cpu"));
        Map<String, String> kept = new HashMap<>();
        r.kept().collectAsList().forEach(k -> kept.put(k.getAs("record_id"), k.getAs("refs")));
        assertEquals(java.util.Set.of("w:a:infill", "w:c:infill", "w:a"), kept.keySet());
        assertEquals(256, kept.get("w:a:infill").split(" ").length);
        assertEquals("1 2 3", kept.get("w:c:infill"), "records with codes are not coded");
        assertEquals(null, kept.get("w:a"), "other tasks pass untouched");
        assertEquals(List.of(schema.fieldNames()), List.of(r.kept().columns()), "the record schema, unchanged");
        List<Row> failed = r.failed().collectAsList();
        assertEquals(1, failed.size());
        assertEquals("w:b:infill", failed.get(0).getString(0));
        assertTrue(failed.get(0).getString(2).startsWith(InfillCodes.FAILED), failed.get(0).getString(2));
        assertFalse(failed.get(0).getString(2).matches(".*item \\d+: .*"), "no batch position in the reason");
    }

    @Test
    void withoutAVqganImagesWithoutCodesAreSkippedNamingTheSetting(@TempDir Path tmp) throws Exception {
        String parquet = tmp.resolve("web").toString();
        spark.createDataFrame(List.of(RowFactory.create("astronaut", Files.readAllBytes(root.resolve(
                        "examples/images/astronaut.png")), "an astronaut", null)), new StructType()
                        .add("key", DataTypes.StringType).add("jpg", DataTypes.BinaryType)
                        .add("caption", DataTypes.StringType).add("codes", DataTypes.StringType))
                .write().parquet(parquet);
        Properties p = config(tmp, parquet);
        p.remove("vqgan.model");
        p.remove("vqgan.batch_size");
        Map<String, Object> report = CorpusJob.run(spark, CorpusConfig.parse(p));
        assertTrue(report.get("skipped").toString().contains("no image codes (set vqgan.model to compute them)"),
                report.toString());
        assertFalse(report.containsKey("image_codes"));
    }

    @Test
    void anUnusableVqganPackageIsRefusedBeforeAnyDataIsRead(@TempDir Path tmp) {
        // the source does not exist: reading it would fail otherwise, so the package is checked first
        Properties p = config(tmp, tmp.resolve("no-such-source").toString());
        p.setProperty("vqgan.model", tmp.resolve("no-vqgan").toString());
        String missing = assertThrows(IllegalArgumentException.class, () -> CorpusJob.run(spark,
                CorpusConfig.parse(p))).getMessage();
        assertTrue(missing.startsWith("vqgan.model = " + tmp.resolve("no-vqgan")), missing);
        assertTrue(missing.contains("not found") && missing.contains("./ofa convert-vqgan"), missing);

        p.setProperty("vqgan.model", root.resolve("models/ofa-tiny-random").toString());
        String ofa = assertThrows(IllegalArgumentException.class, () -> CorpusJob.run(spark,
                CorpusConfig.parse(p))).getMessage();
        assertTrue(ofa.contains("vqgan.model") && ofa.contains("it is an OFA model package"), ofa);

        p.setProperty("vqgan.model", tmp.resolve("no-vqgan").toUri().toString());
        String uri = assertThrows(IllegalArgumentException.class, () -> CorpusJob.run(spark,
                CorpusConfig.parse(p))).getMessage();
        assertTrue(uri.startsWith("vqgan.model = file:") && uri.contains("not found"), uri);
        assertFalse(Files.exists(tmp.resolve("out")), "nothing written");
    }

    @Test
    void vqganSettingsAreChecked() {
        Properties p = new Properties();
        p.setProperty("source.t.type", "text-jsonl");
        p.setProperty("source.t.path", "x.jsonl");
        p.setProperty("vqgan.batch_size", "4");
        String alone = assertThrows(IllegalArgumentException.class, () -> CorpusConfig.parse(p)).getMessage();
        assertTrue(alone.contains("vqgan.batch_size is set but vqgan.model is not"), alone);
        p.setProperty("vqgan.model", "pkg");
        p.setProperty("vqgan.device", "tpu");
        String device = assertThrows(IllegalArgumentException.class, () -> CorpusConfig.parse(p)).getMessage();
        assertTrue(device.contains("vqgan.device is 'tpu', expected cpu, gpu or auto"), device);
        p.setProperty("vqgan.device", "GPU");
        CorpusConfig c = CorpusConfig.parse(p);
        assertEquals(new CorpusConfig.Vqgan("pkg", 4, 1, "gpu"), c.vqgan().orElseThrow());
        Properties none = new Properties();
        none.setProperty("source.t.type", "text-jsonl");
        none.setProperty("source.t.path", "x.jsonl");
        assertTrue(CorpusConfig.parse(none).vqgan().isEmpty());
    }

    @Test
    void suppliedCodesAreCheckedAsTheRuntimeChecksThem() {
        assertEquals(null, CorpusRecords.suppliedCodesProblem(codes(1)));
        assertEquals(null, CorpusRecords.suppliedCodesProblem(codes(1).replace(" ", ",")));
        assertTrue(CorpusRecords.suppliedCodesProblem("1 2 three").startsWith("malformed image codes"));
        assertTrue(CorpusRecords.suppliedCodesProblem(codes(1) + " 4").startsWith("wrong image code count"));
        assertTrue(CorpusRecords.suppliedCodesProblem(codes(1).replaceFirst("^\\d+", "-1"))
                .startsWith("image code outside the codebook"));
        assertTrue(CorpusRecords.suppliedCodesProblem(codes(1).replaceFirst("^\\d+", "99999999999"))
                .startsWith("malformed image codes"), "too large for an int");
        assertTrue(CorpusRecords.suppliedCodesProblem(codes(1).replaceFirst("^\\d+", "8192"))
                .startsWith("image code outside the codebook"));
    }
}
