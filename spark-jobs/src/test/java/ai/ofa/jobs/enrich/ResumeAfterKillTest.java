package ai.ofa.jobs.enrich;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A job killed half-way (kill -9 of its JVM) and rerun writes exactly what a clean run writes. */
class ResumeAfterKillTest {
    @Test
    void rerunAfterAKilledJobEqualsACleanRun(@TempDir Path tmp) throws Exception {
        Path root = Path.of(System.getProperty("ofa.project.root"));
        Path in = tmp.resolve("in");
        Files.createDirectories(in);
        SparkSession spark = SparkSession.builder().master("local[2]").appName("resume-test")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            byte[] image = Files.readAllBytes(root.resolve("examples/images/astronaut.png"));
            byte[] other = Files.readAllBytes(root.resolve("examples/images/hubble_deep_field.jpg"));
            StructType schema = new StructType().add("key", DataTypes.StringType).add("image", DataTypes.BinaryType);
            for (int f = 0; f < 3; f++) {
                List<Row> rows = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    rows.add(RowFactory.create("f" + f + "-" + i, (i % 2 == 0) ? image : other));
                }
                spark.createDataFrame(rows, schema).coalesce(1).write().parquet(in.resolve("part" + f).toString());
            }
            String model = root.resolve("models/ofa-tiny-random").toString();
            Path killedOut = tmp.resolve("killed");
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx2g"));
            cmd.addAll(List.of(System.getProperty("ofa.spark.jvm.args", "").split(" ")));
            cmd.removeIf(String::isBlank);
            cmd.addAll(List.of("-cp", System.getProperty("surefire.test.class.path"), "ai.ofa.jobs.enrich.EnrichJob",
                    "--master", "local[2]", "--input", in.toString(), "--output", killedOut.toString(),
                    "--model", model, "--tasks", "caption", "--batch-size", "2"));
            Process job = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("killed-job.log").toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.exists(killedOut.resolve("_staging")) && System.nanoTime() < deadline && job.isAlive()) {
                Thread.sleep(200);
            }
            Thread.sleep(3000);
            assertTrue(job.isAlive(), "the job must still be running when it is killed: "
                    + Files.readString(tmp.resolve("killed-job.log")));
            job.destroyForcibly().waitFor();
            assertTrue(!Files.exists(killedOut.resolve("_committed"))
                    || Files.list(killedOut.resolve("_committed")).count() < 3, "killed before finishing");

            EnrichJob.Summary resumed = EnrichJob.run(spark, options(in, killedOut, model));
            EnrichJob.Summary clean = EnrichJob.run(spark, options(in, tmp.resolve("clean"), model));
            assertEquals(15, clean.rows());
            assertEquals(clean.rows(), resumed.rows() + 5L * resumed.filesSkipped());
            assertEquals(captions(spark, tmp.resolve("clean")), captions(spark, killedOut));
            assertTrue(!Files.exists(killedOut.resolve("_staging")), "no staging left behind");
        } finally {
            spark.stop();
        }
    }

    private static EnrichOptions options(Path in, Path out, String model) {
        return EnrichOptions.parse(new String[]{"--input", in.toString(), "--output", out.toString(), "--model", model,
            "--tasks", "caption", "--batch-size", "2"});
    }

    private static Map<String, String> captions(SparkSession spark, Path out) {
        Map<String, String> byKey = new TreeMap<>();
        List<Row> rows = spark.read().parquet(out.resolve("data").toString()).select("key", "caption.text")
                .collectAsList();
        for (Row r : rows) {
            assertEquals(null, byKey.put(r.getString(0), r.getString(1)), "duplicate key " + r.getString(0));
        }
        return byKey;
    }
}
