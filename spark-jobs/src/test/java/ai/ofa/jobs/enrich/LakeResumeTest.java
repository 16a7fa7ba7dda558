package ai.ofa.jobs.enrich;

import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.Snapshot;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
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
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Durable progress: the driver JVM killed (SIGKILL) half-way, or halted between a unit's write and its commit, and
 * the job rerun. The rerun redoes only the units not in the output, and the output equals a clean run's, key by key
 * and field by field, for the Parquet folder (read by Spark and by parquet-hadoop's own reader) and an Iceberg
 * table (its snapshots read through Iceberg's API).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LakeResumeTest {
    private static final int FILES = 40;
    private static final int ROWS_PER_FILE = 2;
    private static final int UNIT = 4;   // --max-files-per-batch: 10 units of 8 rows
    private SparkSession spark;
    private Path root;
    private Path model;
    private Path input;
    private Map<String, Row> clean;

    @BeforeAll
    void start(@TempDir Path tmp) throws Exception {
        spark = SparkSession.builder().master("local[2]").appName("lake-resume-test")
                .config("spark.ui.enabled", "false").getOrCreate();
        root = Path.of(System.getProperty("ofa.project.root"));
        model = root.resolve("models/ofa-scenes");   // 96 px: fast enough for 10 runs of 80 rows
        input = tmp.resolve("in");
        Files.createDirectories(input);
        StructType schema = new StructType().add("key", DataTypes.StringType).add("image", DataTypes.BinaryType);
        for (int f = 0; f < FILES; f++) {
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < ROWS_PER_FILE; i++) {
                rows.add(RowFactory.create(String.format("f%02d-%d", f, i), png(f * ROWS_PER_FILE + i)));
            }
            Path t = tmp.resolve("t" + f);
            spark.createDataFrame(rows, schema).coalesce(1).write().parquet(t.toString());
            try (Stream<Path> s = Files.list(t)) {
                Files.move(s.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow(),
                        input.resolve(String.format("part-%02d.parquet", f)));
            }
        }
        EnrichJob.Summary s = EnrichJob.run(spark, EnrichOptions.parse(args(tmp.resolve("clean"), null)));
        assertEquals(FILES * ROWS_PER_FILE, s.rows());
        assertEquals(FILES, s.files());
        clean = byKey(spark.read().parquet(tmp.resolve("clean/data").toString()));
        assertEquals(FILES * ROWS_PER_FILE, clean.size());
    }

    @AfterAll
    void stop() {
        spark.stop();
    }

    /** A small image that differs per row, so that every row's answer is its own. */
    static byte[] png(int seed) throws Exception {
        BufferedImage img = new BufferedImage(24, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 24; x++) {
                img.setRGB(x, y, (seed * 2654435761L + x * 40503L + y * 9973L) > 0 ? (int) ((seed * 7919L + x * 31L
                        + y * 131L) * 2654435761L) & 0xffffff : 0);
            }
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ImageIO.write(img, "png", b);
        return b.toByteArray();
    }

    private String[] args(Path out, String table) {
        List<String> a = new ArrayList<>(List.of("--input", input.toString(), "--output", out.toString(),
                "--model", model.toString(), "--tasks", "caption", "--batch-size", "4",
                "--max-files-per-batch", String.valueOf(UNIT)));
        if (table != null) {
            a.addAll(List.of("--output-table", table));
        }
        return a.toArray(new String[0]);
    }

    /** The rows by key, without the provenance of the run that wrote them; fails on a duplicate key. */
    private static Map<String, Row> byKey(Dataset<Row> df) {
        Dataset<Row> d = df.drop(EnrichJob.RUN_COL, EnrichJob.BATCH_COL);
        Map<String, Row> out = new TreeMap<>();
        for (Row r : d.select("key", Stream.of(d.columns()).filter(c -> !c.equals("key")).sorted()
                .toArray(String[]::new)).collectAsList()) {
            assertNull(out.put(r.getString(0), r), "duplicate key " + r.getString(0));
        }
        return out;
    }

    /** The driver as its own JVM (spark-submit's), with extra system properties; its output in LOG. */
    private Process driver(Path out, String table, Path log, String... props) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g"));
        cmd.addAll(List.of(System.getProperty("ofa.spark.jvm.args", "").split(" ")));
        cmd.addAll(List.of(props));
        cmd.removeIf(String::isBlank);
        cmd.addAll(List.of("-cp", System.getProperty("surefire.test.class.path"), "ai.ofa.jobs.enrich.EnrichJob",
                "--master", "local[2]"));
        cmd.addAll(List.of(args(out, table)));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static String[] catalog(String name, Path warehouse) {
        return new String[]{"-Dspark.sql.catalog." + name + "=org.apache.iceberg.spark.SparkCatalog",
            "-Dspark.sql.catalog." + name + ".type=hadoop",
            "-Dspark.sql.catalog." + name + ".warehouse=" + warehouse.toUri()};
    }

    private void catalogHere(String name, Path warehouse) {
        String[] c = catalog(name, warehouse);
        for (String p : c) {
            String[] kv = p.substring(2).split("=", 2);
            spark.conf().set(kv[0], kv[1]);
        }
    }

    private static long publishedUnits(Path out) throws Exception {
        Path data = out.resolve("data");
        if (!Files.exists(data)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(data)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".parquet"))
                    .map(n -> n.substring(0, "batch-000000000000".length())).distinct().count();
        }
    }

    /** Waits until {@code units} is at least {@code n}, then kills the driver with SIGKILL. */
    private static void killWhen(Process job, java.util.concurrent.Callable<Long> units, long n, Path log)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
        while (units.call() < n && System.nanoTime() < deadline && job.isAlive()) {
            Thread.sleep(50);
        }
        assertTrue(job.isAlive(), "the job must still be running when it is killed: " + Files.readString(log));
        job.destroyForcibly().waitFor();   // SIGKILL: no shutdown hook, no cleanup
    }

    @Test
    void parquetFolderKilledHalfWayThenRerunEqualsACleanRun(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("out");
        Process job = driver(out, null, tmp.resolve("job.log"));
        killWhen(job, () -> publishedUnits(out), FILES / UNIT / 2, tmp.resolve("job.log"));
        long before = spark.read().parquet(out.resolve("data").toString()).count();
        assertTrue(before > 0 && before < FILES * ROWS_PER_FILE, "killed half-way: " + before + " rows out");

        EnrichJob.Summary rerun = EnrichJob.run(spark, EnrichOptions.parse(args(out, null)));
        assertEquals(FILES * ROWS_PER_FILE - before, rerun.rows(), "the rerun processes only what was not committed");
        assertEquals(FILES - before / ROWS_PER_FILE, rerun.files());
        assertEquals(clean, byKey(spark.read().parquet(out.resolve("data").toString())));
        assertEquals(clean.keySet(), parquetHadoopKeys(out.resolve("data")).keySet());
        assertTrue(!Files.exists(out.resolve("_staging")) || isEmpty(out.resolve("_staging")), "no staging left");
    }

    @Test
    void haltedBetweenWriteAndCommitNeitherDuplicatesNorRecomputes(@TempDir Path tmp) throws Exception {
        for (String point : List.of("staged", "published")) {
            Path out = tmp.resolve(point);
            Process job = driver(out, null, tmp.resolve(point + ".log"), "-D" + CrashPoint.PROPERTY + "=" + point + ":2");
            assertTrue(job.waitFor(300, TimeUnit.SECONDS));
            assertEquals(137, job.exitValue(), Files.readString(tmp.resolve(point + ".log")));
            assertTrue(Files.exists(out.resolve("_staging/batch-000000000002")) == point.equals("staged"),
                    "staged: written, not yet published; published: moved under data/");

            EnrichJob.Summary rerun = EnrichJob.run(spark, EnrichOptions.parse(args(out, null)));
            int unitRows = UNIT * ROWS_PER_FILE;
            assertEquals(FILES * ROWS_PER_FILE - 3 * unitRows, rerun.rows(),
                    point + ": units 0-2 were written before the halt, unit 2 is not computed again");
            assertEquals(clean, byKey(spark.read().parquet(out.resolve("data").toString())), point);
            Map<String, Integer> counts = parquetHadoopKeys(out.resolve("data"));
            assertEquals(clean.keySet(), counts.keySet(), point);
            counts.forEach((k, n) -> assertEquals(1, n, point + ": key " + k + " seen " + n + " times by parquet-hadoop"));
        }
    }

    @Test
    void icebergTableKilledHalfWayThenRerunHasOneSnapshotPerUnit(@TempDir Path tmp) throws Exception {
        Path warehouse = tmp.resolve("warehouse");
        String table = "kill.db.captions";
        Path out = tmp.resolve("out");
        Path metadata = warehouse.resolve("db/captions/metadata");
        Process job = driver(out, table, tmp.resolve("job.log"), catalog("kill", warehouse));
        // v1: the create; then one metadata version per appended unit
        killWhen(job, () -> {
            if (!Files.exists(metadata)) {
                return 0L;
            }
            try (Stream<Path> s = Files.list(metadata)) {
                return s.filter(p -> p.getFileName().toString().endsWith(".metadata.json")).count() - 1;
            }
        }, FILES / UNIT / 2, tmp.resolve("job.log"));
        catalogHere("kill", warehouse);
        spark.catalog().refreshTable(table);
        long before = spark.table(table).count();
        assertTrue(before > 0 && before < FILES * ROWS_PER_FILE, "killed half-way: " + before + " rows");

        EnrichJob.Summary rerun = EnrichJob.run(spark, EnrichOptions.parse(args(out, table)));
        assertEquals(FILES * ROWS_PER_FILE - before, rerun.rows(), "the rerun processes only what was not committed");
        spark.catalog().refreshTable(table);
        Dataset<Row> rows = spark.table(table);
        assertEquals(clean, byKey(rows.drop(EnrichJob.RUN_COL)));

        org.apache.iceberg.Table t = org.apache.iceberg.spark.Spark3Util.loadIcebergTable(spark, table);
        List<Long> batches = new ArrayList<>();
        Map<String, Long> runs = new HashMap<>();
        for (Snapshot s : t.snapshots()) {
            batches.add(Long.parseLong(s.summary().get(IcebergSink.BATCH_PROPERTY)));
            runs.merge(s.summary().get(IcebergSink.RUN_PROPERTY), 1L, Long::sum);
            assertEquals(String.valueOf(UNIT * ROWS_PER_FILE), s.summary().get("added-records"));
        }
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), batches.stream().sorted().toList(),
                "one snapshot per unit");
        assertEquals(2, runs.size(), "two runs: the killed one and the rerun");
        // rows carry their unit and run, as the snapshots do
        assertEquals(runs.keySet(), new java.util.HashSet<>(rows.select(EnrichJob.RUN_COL).distinct()
                .as(org.apache.spark.sql.Encoders.STRING()).collectAsList()));
    }

    @Test
    void icebergHaltAfterAppendDoesNotAppendTwiceAndSchemaMismatchFailsFirst(@TempDir Path tmp) throws Exception {
        Path warehouse = tmp.resolve("warehouse");
        String table = "halt.db.captions";
        Path out = tmp.resolve("out");
        Process job = driver(out, table, tmp.resolve("job.log"), Stream.concat(Stream.of(catalog("halt", warehouse)),
                Stream.of("-D" + CrashPoint.PROPERTY + "=published:2")).toArray(String[]::new));
        assertTrue(job.waitFor(300, TimeUnit.SECONDS));
        assertEquals(137, job.exitValue(), Files.readString(tmp.resolve("job.log")));
        catalogHere("halt", warehouse);
        EnrichJob.Summary rerun = EnrichJob.run(spark, EnrichOptions.parse(args(out, table)));
        assertEquals(FILES * ROWS_PER_FILE - 3 * UNIT * ROWS_PER_FILE, rerun.rows());
        spark.catalog().refreshTable(table);
        assertEquals(clean, byKey(spark.table(table).drop(EnrichJob.RUN_COL)));
        assertEquals(FILES / UNIT, count(spark, table), "one snapshot per unit: unit 2 was not appended twice");

        spark.sql("CREATE TABLE halt.db.other (key STRING, caption STRING) USING iceberg");
        String msg = assertThrows(IllegalArgumentException.class, () -> EnrichJob.run(spark,
                EnrichOptions.parse(args(tmp.resolve("other"), "halt.db.other")))).getMessage();
        assertTrue(msg.contains("column 'caption' is string"), msg);
        assertTrue(!Files.exists(tmp.resolve("other/_checkpoint")), "failed before any work");
    }

    private static long count(SparkSession spark, String table) throws Exception {
        long n = 0;
        for (Snapshot ignored : org.apache.iceberg.spark.Spark3Util.loadIcebergTable(spark, table).snapshots()) {
            n++;
        }
        return n;
    }

    private static boolean isEmpty(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    /** Key -> times seen, read with parquet-hadoop's example reader (no Spark) from every file a glob finds. */
    static Map<String, Integer> parquetHadoopKeys(Path data) throws Exception {
        Map<String, Integer> counts = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(data)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".parquet")).toList();
        }
        for (Path f : files) {
            try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(),
                    new org.apache.hadoop.fs.Path(f.toUri())).withConf(new Configuration()).build()) {
                for (Group g = r.read(); g != null; g = r.read()) {
                    counts.merge(g.getString("key", 0), 1, Integer::sum);
                }
            }
        }
        return counts;
    }
}
