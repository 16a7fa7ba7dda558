package ai.ofa.jobs.corpus;

import ai.ofa.jobs.TestImages;
import ai.ofa.jobs.TestShards;
import ai.ofa.jobs.corpus.dedup.PerceptualHashPhotoTest;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.hadoop.fs.FileSystem;
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

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The corpus job's other inputs and outputs, on real photographs in the datasets' formats: OpenImages boxes
 * (fractions of the image size), img2dataset webdataset shards with image codes (image infilling), an img2dataset
 * evaluation set, text infilling inputs, TSV shards of a set size, and each image file read once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CorpusSourcesTest {
    private static final String HELD_OUT_CAPTION =
            "a tall white rocket standing on the launch pad under a clear blue sky before the morning launch";
    /** 256 supplied codes (the 16 x 16 of an image's middle), the last code of the codebook among them. */
    private static final String CODES = java.util.stream.IntStream.range(0, 256).mapToObj(i -> String.valueOf(
            i == 255 ? 8191 : i * 37 % 8192)).collect(java.util.stream.Collectors.joining(" "));
    private SparkSession spark;

    @BeforeAll
    void start() {
        spark = SparkSession.builder().master("local[2]").appName("corpus-sources").config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4").getOrCreate();
    }

    @AfterAll
    void stop() {
        spark.stop();
    }

    /** A scikit-image photograph, scaled and written as JPEG. */
    private static byte[] photo(String name, double scale) throws Exception {
        return TestImages.rescaled(Files.readAllBytes(PerceptualHashPhotoTest.skimageData().resolve(name)), "jpg",
                scale);
    }

    private static Map<String, String[]> tsv(Path dir) throws Exception {
        Map<String, String[]> out = new HashMap<>();
        for (Path f : TestImages.textFiles(dir)) {
            for (String line : Files.readAllLines(f)) {
                String[] cols = line.split("\t", -1);
                out.put(cols[0], cols);
            }
        }
        return out;
    }

    @Test
    void openImagesWebdatasetInfillingImg2datasetEvaluationAndShards(@TempDir Path tmp) throws Exception {
        Path oi = tmp.resolve("openimages");
        Files.createDirectories(oi);
        Files.write(oi.resolve("0001eeaf4aed83f9.jpg"), photo("astronaut.png", 1.0));   // 512 x 512
        Files.write(oi.resolve("000002b66c9c498e.jpg"), photo("coffee.png", 1.0));      // 600 x 400
        Files.write(oi.resolve("00000b4dcff7f799.jpg"), photo("coins.png", 1.0));
        Files.writeString(tmp.resolve("boxes.csv"), """
                ImageID,Source,LabelName,Confidence,XMin,XMax,YMin,YMax,IsOccluded,IsTruncated,IsGroupOf,IsDepiction,IsInside
                0001eeaf4aed83f9,xclick,/m/01g317,1,0.1,0.5,0.2,0.9,0,0,0,0,0
                000002b66c9c498e,xclick,/m/02p5f1q,1,0.25,0.75,0.5,1.0,0,1,0,0,0
                000002b66c9c498e,xclick,/m/01g317,1,0.0,0.1,0.0,0.1,1,0,0,0,0
                00000b4dcff7f799,xclick,/m/0242l,1,0.5,1.2,0.1,0.2,0,0,0,0,0
                """);
        Files.writeString(tmp.resolve("classes.csv"), "/m/01g317,Person\n/m/02p5f1q,Coffee cup\n/m/0242l,Coin\n");

        // img2dataset webdataset shard: a sample with VQGAN codes in its JSON, one without
        Path shards = tmp.resolve("laion");
        Files.createDirectories(shards);
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(
                shards.resolve("00000.tar")))) {
            TestShards.member(tar, "000000000.jpg", photo("chelsea.png", 1.0));
            TestShards.member(tar, "000000000.txt", "a cat sitting on a rug".getBytes(StandardCharsets.UTF_8));
            TestShards.member(tar, "000000000.json", ("{\"key\": \"000000000\", \"codes\": ["
                    + CODES.replace(" ", ", ") + "]}").getBytes(StandardCharsets.UTF_8));
            TestShards.member(tar, "000000001.jpg", photo("camera.png", 1.0));
            TestShards.member(tar, "000000001.txt", "a man with a camera".getBytes(StandardCharsets.UTF_8));
            TestShards.member(tar, "000000001.json", "{\"key\": \"000000001\"}".getBytes(StandardCharsets.UTF_8));
        }
        // an img2dataset evaluation set: a half-size rocket with a long caption
        StructType i2d = new StructType().add("key", DataTypes.StringType).add("jpg", DataTypes.BinaryType)
                .add("caption", DataTypes.StringType);
        spark.createDataFrame(List.of(RowFactory.create("e1", photo("rocket.jpg", 0.5), HELD_OUT_CAPTION)), i2d)
                .coalesce(1).write().parquet(tmp.resolve("heldout").toString());
        spark.createDataFrame(List.of(
                RowFactory.create("c1", photo("rocket.jpg", 1.0), "a rocket"),
                RowFactory.create("c2", photo("page.png", 1.0), "photo: " + HELD_OUT_CAPTION),
                RowFactory.create("c3", photo("moon.png", 1.0), "the moon at night"),
                RowFactory.create("c4", photo("text.png", 1.0), "some text on a wall")), i2d)
                .coalesce(1).write().parquet(tmp.resolve("cc").toString());
        Files.writeString(tmp.resolve("docs.jsonl"), "{\"text\": \"the river runs past the old mill and on through "
                + "the quiet valley where the farmers grow wheat and barley every summer\"}\n");

        Properties p = new Properties();
        p.setProperty("output", tmp.resolve("out").toString());
        p.setProperty("seed", "3");
        p.setProperty("tsv.shard_records", "1");
        p.setProperty("source.oi.type", "openimages");
        p.setProperty("source.oi.boxes", tmp.resolve("boxes.csv").toString());
        p.setProperty("source.oi.classes", tmp.resolve("classes.csv").toString());
        p.setProperty("source.oi.images", oi.toString());
        p.setProperty("source.laion.type", "img2dataset");
        p.setProperty("source.laion.format", "webdataset");
        p.setProperty("source.laion.path", shards.toString());
        p.setProperty("source.laion.image_infilling", "true");
        p.setProperty("source.laion.image_codes", "codes");
        p.setProperty("source.cc.type", "img2dataset");
        p.setProperty("source.cc.path", tmp.resolve("cc").toString());
        p.setProperty("source.pile.type", "text-jsonl");
        p.setProperty("source.pile.path", tmp.resolve("docs.jsonl").toString());
        p.setProperty("eval.heldout.type", "img2dataset");
        p.setProperty("eval.heldout.path", tmp.resolve("heldout").toString());
        Map<String, Object> report = CorpusJob.run(spark, CorpusConfig.parse(p));

        // the Parquet outputs have exactly the documented columns
        assertEquals(avscFields("corpus-record.avsc"), new java.util.TreeSet<>(List.of(spark.read()
                .parquet(tmp.resolve("out/parquet").toString()).columns())));
        assertEquals(avscFields("corpus-manifest.avsc"), new java.util.TreeSet<>(List.of(spark.read()
                .parquet(tmp.resolve("out/manifest").toString()).columns())));

        // OpenImages: fractions become pixels of each image's own size; a box past the edge makes the record bad
        Map<String, String[]> det = tsv(tmp.resolve("out/tsv/detection"));
        assertEquals("51.20,102.40,256.00,460.80,/m/01g317,Person", det.get("oi:0001eeaf4aed83f9")[2]);
        assertEquals("0.00,0.00,60.00,40.00,/m/01g317,Person&&150.00,200.00,450.00,400.00,/m/02p5f1q,Coffee cup",
                det.get("oi:000002b66c9c498e")[2]);
        assertEquals(2, det.size());
        assertTrue(report.get("bad_records").toString().contains("box outside the image"), report.toString());

        // the evaluation set's image (half size) and caption (13-gram) are kept out
        Map<String, String> rules = new HashMap<>();
        for (Row m : spark.read().parquet(tmp.resolve("out/manifest").toString()).collectAsList()) {
            rules.put(m.getAs("record_id"), m.getAs("rule") + "/" + m.getAs("eval_set"));
        }
        assertEquals(Map.of("cc:c1", "phash/heldout", "cc:c2", "text_ngram/null"), rules);

        // webdataset captions; image infilling for the sample with codes (256 x 256 image), the other skipped
        Map<String, String[]> vl = tsv(tmp.resolve("out/tsv/vision_language"));
        assertEquals("a cat sitting on a rug", vl.get("laion:000000000")[2]);
        assertEquals("a man with a camera", vl.get("laion:000000001")[2]);
        Map<String, String[]> image = tsv(tmp.resolve("out/tsv/image"));
        assertEquals(List.of("laion:000000000:infill"), new ArrayList<>(image.keySet()));
        assertEquals(CODES, image.get("laion:000000000:infill")[2]);
        BufferedImage infill = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder()
                .decode(image.get("laion:000000000:infill")[1])));
        assertEquals(256, infill.getWidth());
        assertEquals(256, infill.getHeight());
        assertTrue(report.get("skipped").toString().contains("no image codes"), report.toString());

        // text infilling: the document with about 30% of its words masked in spans, the target unchanged
        Row doc = spark.read().parquet(tmp.resolve("out/parquet").toString()).filter("task = 'text'").first();
        String text = doc.getAs("text");
        String masked = doc.getAs("question");
        assertTrue(masked.contains("<mask>"), masked);
        int kept = (int) java.util.Arrays.stream(masked.split(" ")).filter(w -> !w.equals("<mask>")).count();
        int words = text.split(" ").length;
        assertEquals(Math.round(words * 0.3), words - kept, masked);
        assertEquals(text, tsv(tmp.resolve("out/tsv/text")).get("pile:0")[1]);

        // shards of one line at most (an empty partition leaves an empty file)
        for (String dir : List.of("vision_language", "detection", "image", "text")) {
            for (Path f : TestImages.textFiles(tmp.resolve("out/tsv/" + dir))) {
                assertTrue(Files.readAllLines(f).size() <= 1, f.toString());
            }
        }
        assertEquals(vl.size(), TestImages.textFiles(tmp.resolve("out/tsv/vision_language")).stream()
                .filter(f -> f.toFile().length() > 0).count());
        assertTrue(vl.size() >= 4, vl.keySet().toString());
    }

    private static java.util.TreeSet<String> avscFields(String file) throws Exception {
        Path root = Path.of(System.getProperty("ofa.project.root"));
        java.util.TreeSet<String> out = new java.util.TreeSet<>();
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(root.resolve("schemas").resolve(file).toFile())
                .get("fields").forEach(f -> out.add(f.get("name").asText()));
        return out;
    }

    @Test
    void eachImageFileIsReadOnceHoweverManyRecordsShareIt(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("astronaut.jpg");
        Files.write(file, photo("astronaut.png", 1.0));
        long size = Files.size(file);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            rows.add(RowFactory.create("r" + i, "s", "caption", "coco:1", file.toString(), null, "caption " + i,
                    null, null, null));
        }
        Dataset<Row> records = spark.createDataFrame(rows, CorpusRecords.SCHEMA);
        long before = FileSystem.getAllStatistics().stream().filter(s -> s.getScheme().equals("file"))
                .mapToLong(FileSystem.Statistics::getBytesRead).sum();
        List<Row> out = CorpusJob.withImages(records, spark, ai.ofa.jobs.corpus.dedup.ImageHash.PDQ)
                .select("record_id", "content_sha256", "image")
                .collectAsList();
        long read = FileSystem.getAllStatistics().stream().filter(s -> s.getScheme().equals("file"))
                .mapToLong(FileSystem.Statistics::getBytesRead).sum() - before;
        assertEquals(6, out.size());
        for (Row r : out) {
            assertNotEquals(null, r.get(1));
            assertEquals(size, ((byte[]) r.get(2)).length);
        }
        assertEquals(1, out.stream().map(r -> r.getString(1)).distinct().count());
        assertTrue(read >= size && read < 2 * size, "bytes read " + read + " for a file of " + size);
    }
}
