package ai.ofa.jobs.enrich;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The driver's planning asks the file system nothing per input file: over 600 image files cut into 30 units, every
 * file-system request about the input (through a counting local file system in place of Hadoop's) is a folder
 * listing or a question about the input folder itself, never one per file. Spark's own file source made one status
 * request per file of each unit.
 */
class PlanningRequestsTest {
    static volatile String watched = "/nowhere/";
    /** Every counted request: "method path". */
    static final java.util.List<String> REQUESTS = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

    /** Hadoop's local file system, counting the requests about paths under {@link #watched}. */
    public static final class CountingLocalFileSystem extends LocalFileSystem {
        private static boolean mine(Path p, String method) {
            boolean mine = p.toUri().getPath().startsWith(watched);
            if (mine) {
                REQUESTS.add(method + " " + p.toUri().getPath());
            }
            return mine;
        }

        @Override
        public FileStatus getFileStatus(Path f) throws IOException {
            mine(f, "getFileStatus");
            return super.getFileStatus(f);
        }

        @Override
        public FileStatus[] listStatus(Path f) throws IOException {
            mine(f, "listStatus");
            return super.listStatus(f);
        }

        @Override
        public org.apache.hadoop.fs.RemoteIterator<FileStatus> listStatusIterator(Path f) throws IOException {
            mine(f, "listStatusIterator");
            return super.listStatusIterator(f);
        }

        @Override
        public org.apache.hadoop.fs.FSDataInputStream open(Path f, int bufferSize) throws IOException {
            mine(f, "open");
            return super.open(f, bufferSize);
        }
    }

    /** Requests name the two folders only (a listing each, a status of the root), none an input file. */
    private static void assertNothingPerFile(String when) {
        java.util.List<String> seen;
        synchronized (REQUESTS) {
            seen = new java.util.ArrayList<>(REQUESTS);
        }
        assertTrue(seen.stream().noneMatch(r -> r.endsWith(".png")), when + ": a request per file: " + seen);
        assertTrue(seen.stream().noneMatch(r -> r.startsWith("open")), when + ": " + seen);
        assertTrue(seen.size() <= 10, when + ": a handful of requests, not one per file: " + seen);
        assertTrue(seen.stream().anyMatch(r -> r.startsWith("list") && r.endsWith("/sub")), when + ": " + seen);
    }

    @Test
    void planningListsTheInputOnceAndAsksNothingPerFile(@TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path in = tmp.resolve("images");
        Files.createDirectories(in.resolve("sub"));
        int n = 600;
        for (int i = 0; i < n; i++) {
            Files.write((i % 2 == 0 ? in : in.resolve("sub")).resolve(String.format("img-%04d.png", i)), new byte[]{1});
        }
        SparkSession spark = SparkSession.builder().master("local[2]").appName("planning-requests")
                .config("spark.ui.enabled", "false")
                .config("spark.hadoop.fs.file.impl", CountingLocalFileSystem.class.getName())
                .config("spark.hadoop.fs.file.impl.disable.cache", "true").getOrCreate();
        try {
            EnrichOptions o = EnrichOptions.parse("--input", in.toString(), "--output", tmp.resolve("out").toString(),
                    "--model", "unused", "--max-files-per-batch", "20");
            watched = in.toString();
            REQUESTS.clear();
            EnrichJob.Inputs inputs = EnrichJob.listInputs(spark.sparkContext().hadoopConfiguration(), o.input(),
                    o.inputFormat());
            long[] units = EnrichJob.planUnits(spark, o.withInputFormat(inputs.format()), inputs.files());
            assertArrayEquals(new long[]{30, n}, units, "30 units of 20 files, every file once");
            assertNothingPerFile("first run");

            // a rerun over the same checkpoint: nothing left to plan, and still one listing
            REQUESTS.clear();
            EnrichJob.Inputs again = EnrichJob.listInputs(spark.sparkContext().hadoopConfiguration(), o.input(),
                    o.inputFormat());
            assertArrayEquals(new long[]{0, 0}, EnrichJob.planUnits(spark, o.withInputFormat(again.format()),
                    again.files()));
            assertNothingPerFile("rerun");
        } finally {
            watched = "/nowhere/";
            spark.stop();
        }
    }
}
