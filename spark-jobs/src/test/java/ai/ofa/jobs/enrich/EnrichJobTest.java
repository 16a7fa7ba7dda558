package ai.ofa.jobs.enrich;

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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The enrich job on local[2]: every row out exactly once, bad rows marked, committed files skipped on rerun. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EnrichJobTest {
    private SparkSession spark;
    private Path root;
    private byte[] good;
    private final StructType schema = new StructType().add("key", DataTypes.StringType)
            .add("image", DataTypes.BinaryType).add("text", DataTypes.StringType);

    @BeforeAll
    void start() throws Exception {
        spark = SparkSession.builder().master("local[2]").appName("enrich-test").config("spark.ui.enabled", "false")
                .getOrCreate();
        root = Path.of(System.getProperty("ofa.project.root"));
        good = Files.readAllBytes(root.resolve("examples/images/astronaut.png"));
    }

    @AfterAll
    void stop() {
        spark.stop();
    }

    private void writeInput(Path dir, String name, int goodRows, boolean withBad) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < goodRows; i++) {
            rows.add(RowFactory.create(name + "-" + i, good, "the person"));
        }
        if (withBad) {
            rows.add(RowFactory.create(name + "-corrupt", new byte[]{1, 2, 3}, "x"));
            rows.add(RowFactory.create(name + "-null", null, null));
        }
        Path tmp = dir.resolve("_tmp_" + name);
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(tmp.toString());
        try (var files = Files.list(tmp)) {
            Path part = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
            Files.move(part, dir.resolve(name + ".parquet"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private EnrichOptions options(Path in, Path out, String tasks) {
        return EnrichOptions.parse(new String[]{"--input", in.toString(), "--output", out.toString(), "--tasks", tasks,
            "--model", root.resolve("models/ofa-tiny-random").toString(), "--batch-size", "3"});
    }

    @Test
    void everyRowOnceWithStatusAndRerunsSkipCommittedFiles(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("in");
        Files.createDirectories(in);
        writeInput(in, "a", 3, true);
        writeInput(in, "b", 2, false);
        Path out = tmp.resolve("out");
        EnrichJob.Summary s = EnrichJob.run(spark, options(in, out, "caption,ground"));
        assertEquals(2, s.files());
        assertEquals(7, s.rows());
        assertEquals(4, s.errors(), "2 bad rows x 2 tasks");
        Dataset<Row> result = spark.read().parquet(out.resolve("data").toString());
        List<Row> rows = result.select("key", "caption.status", "grounding.status", "caption.error", "job_version",
                "caption.model_name").collectAsList();
        assertEquals(7, rows.size());
        Set<String> keys = new HashSet<>();
        for (Row r : rows) {
            assertTrue(keys.add(r.getString(0)), "duplicate key " + r.getString(0));
            boolean bad = r.getString(0).endsWith("corrupt") || r.getString(0).endsWith("null");
            assertEquals(bad ? "error" : "ok", r.getString(1), r.getString(0));
            assertEquals(bad ? "error" : "ok", r.getString(2), r.getString(0));
            assertEquals(EnrichJob.VERSION, r.getString(4));
            assertEquals("ofa-tiny-random", r.getString(5));
        }
        assertFalse(List.of(result.columns()).contains("image"), "image bytes are not copied to the output");
        com.fasterxml.jackson.databind.JsonNode avsc = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(root.resolve("schemas/enrich-output.avsc").toFile());
        Set<String> documented = new HashSet<>();
        avsc.get("fields").forEach(f -> documented.add(f.get("name").asText()));
        for (String col : result.columns()) {
            assertTrue(documented.contains(col) || col.equals("text"), "column " + col + " is not in enrich-output.avsc");
        }

        EnrichJob.Summary again = EnrichJob.run(spark, options(in, out, "caption,ground"));
        assertEquals(0, again.files());
        assertEquals(2, again.filesSkipped());
        writeInput(in, "c", 2, false);
        EnrichJob.Summary third = EnrichJob.run(spark, options(in, out, "caption,ground"));
        assertEquals(1, third.files());
        assertEquals(2, third.rows());
        assertEquals(9, spark.read().parquet(out.resolve("data").toString()).select("key").distinct().count());
        assertEquals(9, spark.read().parquet(out.resolve("data").toString()).count());
        assertTrue(EnrichJob.describe(third).contains("output: " + out));
    }

    @Test
    void badConfigurationFailsBeforeAnyWork(@TempDir Path tmp) {
        Path in = tmp.resolve("in");
        writeInputQuietly(in);
        Path out = tmp.resolve("out");
        String noKey = assertThrows(IllegalArgumentException.class, () -> EnrichJob.run(spark,
                EnrichOptions.parse(new String[]{"--input", in.toString(), "--output", out.toString(), "--model",
                    root.resolve("models/ofa-tiny-random").toString(), "--key-col", "id"}))).getMessage();
        assertTrue(noKey.contains("Key column 'id' not found"), noKey);
        String noText = assertThrows(IllegalArgumentException.class, () -> EnrichJob.run(spark,
                EnrichOptions.parse(new String[]{"--input", in.toString(), "--output", out.toString(), "--model",
                    root.resolve("models/ofa-tiny-random").toString(), "--tasks", "ground", "--ground-text-col",
                    "expression"}))).getMessage();
        assertTrue(noText.contains("Column 'expression'"), noText);
        String noLabels = assertThrows(IllegalArgumentException.class, () -> EnrichJob.run(spark,
                EnrichOptions.parse(new String[]{"--input", in.toString(), "--output", out.toString(), "--model",
                    root.resolve("models/ofa-tiny-random").toString(), "--tasks", "classify", "--labels-file",
                    tmp.resolve("labels.txt").toString()}))).getMessage();
        assertTrue(noLabels.contains("Cannot read --labels-file " + tmp.resolve("labels.txt")), noLabels);
        assertFalse(Files.exists(out), "nothing written");
        assertThrows(IllegalArgumentException.class, () -> EnrichOptions.parse(new String[]{"--input", "x",
            "--output", "y", "--model", "m", "--tasks", "paint"}));
        assertThrows(IllegalArgumentException.class, () -> EnrichOptions.parse(new String[]{"--input", "x",
            "--output", "y", "--model", "m", "--tasks", "classify"}));
    }

    private void writeInputQuietly(Path in) {
        try {
            Files.createDirectories(in);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        writeInput(in, "z", 1, false);
    }

    @Test
    void recordsPointingAtTheirImagesAreReadThroughHadoop(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("in");
        Files.createDirectories(in);
        StructType s = new StructType().add("key", DataTypes.StringType).add("uri", DataTypes.StringType);
        List<Row> rows = List.of(
                RowFactory.create("png", root.resolve("examples/images/astronaut.png").toUri().toString()),
                RowFactory.create("jpg", root.resolve("examples/images/hubble_deep_field.jpg").toString()),
                RowFactory.create("missing", tmp.resolve("nope.jpg").toString()),
                RowFactory.create("null", null));
        spark.createDataFrame(rows, s).coalesce(1).write().parquet(in.resolve("refs").toString());
        Path out = tmp.resolve("out");
        EnrichJob.Summary sum = EnrichJob.run(spark, EnrichOptions.parse(new String[]{"--input", in.toString(),
            "--output", out.toString(), "--path-col", "uri", "--model",
            root.resolve("models/ofa-tiny-random").toString(), "--tasks", "caption"}));
        assertEquals(4, sum.rows());
        Map<String, Row> byKey = new java.util.HashMap<>();
        spark.read().parquet(out.resolve("data").toString()).select("key", "caption", "uri").collectAsList()
                .forEach(r -> byKey.put(r.getString(0), r.getStruct(1)));
        assertEquals("ok", byKey.get("png").getAs("status"));
        assertEquals("ok", byKey.get("jpg").getAs("status"));
        assertEquals("error", byKey.get("missing").getAs("status"));
        assertTrue(((String) byKey.get("missing").getAs("error")).contains("cannot read image"),
                (String) byKey.get("missing").getAs("error"));
        assertTrue(((String) byKey.get("null").getAs("error")).contains("image path is null"));
    }

    @Test
    void img2datasetWebdatasetShardsAndLabelFiles(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("shards");
        Files.createDirectories(in);
        byte[] jpg = Files.readAllBytes(root.resolve("examples/images/hubble_deep_field.jpg"));
        for (int shard = 0; shard < 2; shard++) {
            try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(
                    Files.newOutputStream(in.resolve(String.format("%05d.tar", shard))))) {
                for (int i = 0; i < 2; i++) {
                    String key = String.format("%05d%04d", shard, i);
                    ai.ofa.jobs.TestShards.member(tar, key + ".jpg", shard == 1 && i == 1 ? new byte[]{9, 9} : jpg);
                    ai.ofa.jobs.TestShards.member(tar, key + ".txt", ("caption " + key).getBytes());
                    ai.ofa.jobs.TestShards.member(tar, key + ".json", ("{\"key\": \"" + key + "\"}").getBytes());
                }
                ai.ofa.jobs.TestShards.member(tar, "0000notimage.json", "{}".getBytes());
            }
        }
        Path labels = tmp.resolve("labels.txt");
        Files.writeString(labels, "galaxy\nastronaut\n\n");
        Path out = tmp.resolve("out");
        EnrichJob.Summary s = EnrichJob.run(spark, EnrichOptions.parse(new String[]{"--input", in.toString(),
            "--input-format", "webdataset", "--output", out.toString(), "--tasks", "classify", "--labels-file",
            labels.toString(), "--model", root.resolve("models/ofa-tiny-random").toString()}));
        assertEquals(2, s.files());
        assertEquals(6, s.rows(), "2 shards x (2 samples with an image + 1 sample without)");
        Map<String, Row> byKey = new java.util.HashMap<>();
        spark.read().parquet(out.resolve("data").toString()).select("key", "classification", "caption")
                .collectAsList().forEach(r -> byKey.put(r.getString(0), r));
        assertEquals("ok", byKey.get("000000000").getStruct(1).getAs("status"));
        assertEquals("caption 000000000", byKey.get("000000000").getString(2));
        assertTrue(List.of("galaxy", "astronaut").contains((String) byKey.get("000000000").getStruct(1).getAs("label")));
        assertEquals("error", byKey.get("000010001").getStruct(1).getAs("status"), "corrupt image member");
        assertEquals("error", byKey.get("0000notimage").getStruct(1).getAs("status"), "sample without an image");
    }

    @Test
    void sourceIdIgnoresHowTheFileUriIsSpelled() {
        assertEquals(EnrichJob.sourceId("file:/tmp/x/a.parquet"), EnrichJob.sourceId("file:///tmp/x/a.parquet"));
        assertEquals(EnrichJob.sourceId("/tmp/x/a.parquet"), EnrichJob.sourceId("file:/tmp/x/a.parquet"));
        assertFalse(EnrichJob.sourceId("/tmp/x/a.parquet").equals(EnrichJob.sourceId("/tmp/x/b.parquet")));
    }
}
