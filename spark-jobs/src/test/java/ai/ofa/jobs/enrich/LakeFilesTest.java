package ai.ofa.jobs.enrich;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A folder of 2,000 small image files and one empty one: a handful of data files (not one per image, no folder or
 * marker per input file), every file a row, the empty one an error row.
 */
class LakeFilesTest {
    @Test
    void aFolderOfSmallImagesGivesAHandfulOfFilesAndEveryRow(@TempDir Path tmp) throws Exception {
        Path root = Path.of(System.getProperty("ofa.project.root"));
        Path in = tmp.resolve("images");
        Files.createDirectories(in);
        for (int i = 0; i < 2000; i++) {
            Files.write(in.resolve(String.format("img-%04d.png", i)), LakeResumeTest.png(i));
        }
        Files.write(in.resolve("img-empty.png"), new byte[0]);
        SparkSession spark = SparkSession.builder().master("local[2]").appName("lake-files-test")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            Path out = tmp.resolve("out");
            EnrichJob.Summary s = EnrichJob.run(spark, EnrichOptions.parse(new String[]{"--input", in.toString(),
                "--output", out.toString(), "--model", root.resolve("models/ofa-scenes").toString(),
                "--tasks", "classify", "--labels", "circle,square,triangle,star", "--batch-size", "16",
                "--max-files-per-batch", "1000"}));
            assertEquals(2001, s.rows());
            assertEquals(2001, s.files());
            assertEquals(1, s.errors(), "the empty file");
            List<Path> data;
            try (Stream<Path> f = Files.list(out.resolve("data"))) {
                data = f.toList();
            }
            List<Path> parquet = data.stream().filter(p -> p.getFileName().toString().endsWith(".parquet")).toList();
            assertTrue(parquet.size() <= 5, "a handful of files, got " + parquet.size() + ": " + parquet);
            assertTrue(data.stream().noneMatch(Files::isDirectory), "no folder per input file: " + data);
            assertTrue(!Files.exists(out.resolve("_committed")), "no marker per input file");
            List<Row> rows = spark.read().parquet(out.resolve("data").toString())
                    .select("path", "classification.status", "classification.error").collectAsList();
            assertEquals(2001, rows.size());
            assertEquals(2001, rows.stream().map(r -> r.getString(0)).distinct().count());
            Row empty = rows.stream().filter(r -> r.getString(0).endsWith("img-empty.png")).findFirst().orElseThrow();
            assertEquals("error", empty.getString(1));
            assertTrue(empty.getString(2) != null && empty.getString(2).contains("img-empty.png"), empty.getString(2));
        } finally {
            spark.stop();
        }
    }
}
