package ai.ofa.jobs.enrich;

import ai.ofa.model.OfaModel;
import ai.ofa.model.SessionSettings;
import ai.ofa.task.Captioning;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Benchmark of the enrich job (figures printed, nothing asserted): Spark's overhead against the runtime's own
 * batched loop over the same images in the same JVM, and how time and memory grow with 10x the records.
 *
 * <pre>./ofa bench-enrich [--records 16] [--model PKG]</pre>
 */
public final class EnrichBench {
    private EnrichBench() {
    }

    public static void main(String[] args) {
        ai.ofa.jobs.JobCli.exit(new Cli(), args);
    }

    @picocli.CommandLine.Command(name = "ofa bench-enrich", mixinStandardHelpOptions = true,
            description = "The enrich job's Spark overhead against the runtime's own batched loop over the same "
                    + "images, at N and 10N records (figures printed, never asserted).")
    static final class Cli implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Option(names = "--records", paramLabel = "N", defaultValue = "16",
                description = "records of the small run; the large one has 10x (default: ${DEFAULT-VALUE})")
        int records;
        @picocli.CommandLine.Option(names = "--model", paramLabel = "PKG", defaultValue = "models/ofa-tiny-random",
                description = "the package (default: ${DEFAULT-VALUE})")
        String model;
        @picocli.CommandLine.Option(names = "--plan-only", description = "measure only the driver's planning: "
                + "the listing and the units of --files tiny synthetic files (default: off)")
        boolean planOnly;
        @picocli.CommandLine.Option(names = "--files", paramLabel = "N", split = ",", defaultValue = "10000,100000",
                description = "input files for --plan-only (default: ${DEFAULT-VALUE})")
        List<Integer> files;

        @Override
        public Integer call() throws IOException {
            if (planOnly) {
                for (int n : files) {
                    if (n < 1) {
                        throw new ai.ofa.cli.OfaCli.UsageException("--files must be positive, got " + n);
                    }
                }
                plan(files);
                return 0;
            }
            if (records < 1) {
                throw new ai.ofa.cli.OfaCli.UsageException("--records must be positive, got " + records);
            }
            bench(records, model);
            return 0;
        }
    }

    static void bench(int records, String model) throws IOException {
        int cores = Runtime.getRuntime().availableProcessors();
        Path work = Path.of("build", "bench-enrich");
        deleteTree(work);
        List<byte[]> images = List.of(Files.readAllBytes(Path.of("examples/images/astronaut.png")),
                Files.readAllBytes(Path.of("examples/images/hubble_deep_field.jpg")));
        SparkSession spark = SparkSession.builder().master("local[" + cores + "]").appName("ofa-enrich-bench")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            // inputs first, so their rows are not in the curves; files of 8 records each, as a lake has files of
            // bounded size: 10x the records is 10x the files, and a task's memory follows the file, not the total
            for (int n : new int[]{records, 10 * records}) {
                writeInput(spark, work.resolve("in-" + n), images, n, Math.max(1, n / 8));
            }
            for (int n : new int[]{records, 10 * records}) {
                Path in = work.resolve("in-" + n);
                System.gc();
                double loop = runtimeLoop(Path.of(model), images, n, cores);
                resetPeakRss();
                MemorySampler mem = new MemorySampler();
                long t0 = System.nanoTime();
                EnrichJob.Summary s;
                try (mem) {
                    s = EnrichJob.run(spark, EnrichOptions.parse(new String[]{"--input", in.toString(),
                        "--output", work.resolve("out-" + n).toString(), "--model", model, "--tasks", "caption",
                        "--batch-size", "8"}));
                }
                double job = (System.nanoTime() - t0) / 1e9;
                System.out.printf("{\"records\":%d,\"rows_out\":%d,\"runtime_loop_s\":%.2f,\"enrich_job_s\":%.2f,"
                                + "\"spark_overhead\":%.3f,\"job_images_per_s\":%.3f,\"run_peak_rss_mb\":%d,"
                                + "\"live_heap_after_gc_mb\":%s,\"cores\":%d}%n", n, s.rows(), loop, job,
                        job / loop - 1, n / job, rss("VmHWM"), mem.curve(), cores);
            }
        } finally {
            spark.stop();
        }
    }

    /**
     * Planning at N input files: N one-byte image files, then the driver's listing (format, schema probe) and the
     * streaming query that cuts them into units and logs each unit's files in the checkpoint, with units that do
     * no work: what the driver costs before and between the executors' work, no request per file.
     */
    static void plan(List<Integer> counts) throws IOException {
        Path work = Path.of("build", "bench-enrich", "plan");
        deleteTree(work);
        SparkSession spark = SparkSession.builder().master("local[2]").appName("ofa-enrich-plan-bench")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            for (int n : counts) {
                Path in = work.resolve("in-" + n);
                Files.createDirectories(in);
                for (int i = 0; i < n; i++) {
                    Files.write(in.resolve(String.format("img-%07d.png", i)), new byte[]{1});
                }
                EnrichOptions o = EnrichOptions.parse(new String[]{"--input", in.toString(), "--output",
                    work.resolve("out-" + n).toString(), "--model", "models/ofa-tiny-random"});
                long t0 = System.nanoTime();
                EnrichJob.Inputs inputs = EnrichJob.listInputs(spark.sparkContext().hadoopConfiguration(),
                        o.input(), o.inputFormat());
                double listing = (System.nanoTime() - t0) / 1e9;
                EnrichOptions resolved = o.withInputFormat(inputs.format());
                long t1 = System.nanoTime();
                long[] units = EnrichJob.planUnits(spark, resolved);
                double planning = (System.nanoTime() - t1) / 1e9;
                System.out.printf("{\"input_files\":%d,\"driver_listing_s\":%.2f,\"units\":%d,"
                        + "\"files_in_units\":%d,\"files_per_unit\":%d,\"streaming_plan_s\":%.2f}%n", n, listing,
                        units[0], units[1], resolved.maxFilesPerBatch(), planning);
            }
        } finally {
            spark.stop();
        }
    }

    /** The runtime alone: one model with all cores as intra-op threads, batches of 8 over the same images. */
    private static double runtimeLoop(Path model, List<byte[]> images, int n, int cores) {
        try (OfaModel m = OfaModel.load(model, SessionSettings.DEFAULT.withThreads(cores))) {
            Captioning c = new Captioning(m);
            c.run(List.of(images.get(0)));   // warm-up
            long t0 = System.nanoTime();
            for (int done = 0; done < n; done += 8) {
                List<byte[]> batch = new ArrayList<>();
                for (int i = done; i < Math.min(n, done + 8); i++) {
                    batch.add(images.get(i % images.size()));
                }
                c.run(batch);
            }
            return (System.nanoTime() - t0) / 1e9;
        }
    }

    private static void writeInput(SparkSession spark, Path dir, List<byte[]> images, int n, int files) {
        StructType schema = new StructType().add("key", DataTypes.StringType).add("image", DataTypes.BinaryType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(RowFactory.create("r" + i, images.get(i % images.size())));
        }
        spark.createDataFrame(rows, schema).repartition(files).write().parquet(dir.toString());
    }

    /** Linux: makes VmHWM start again from the current RSS, so each run reports its own peak. */
    private static void resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException e) {
            // not Linux, or not allowed: the peak then covers the whole process
        }
    }

    /**
     * The live heap (used right after a forced full GC), sampled every 3 s while the job runs: the executor's
     * memory curve, flat when nothing accumulates per row. The forced collections cost the job about 2-3%.
     */
    private static final class MemorySampler implements AutoCloseable {
        private final List<Long> samples = java.util.Collections.synchronizedList(new ArrayList<>());
        private final Thread thread;
        private volatile boolean running = true;

        MemorySampler() {
            thread = new Thread(() -> {
                while (running) {
                    System.gc();
                    samples.add(java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage()
                            .getUsed() >> 20);
                    try {
                        Thread.sleep(3000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "memory-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        /** Up to ten evenly spaced points over the run, in MB. */
        String curve() {
            List<Long> copy;
            synchronized (samples) {
                copy = new ArrayList<>(samples);
            }
            List<Long> points = new ArrayList<>();
            int n = Math.min(10, copy.size());
            for (int i = 0; i < n; i++) {
                points.add(copy.get(i * copy.size() / n));
            }
            return points.toString();
        }

        @Override
        public void close() {
            running = false;
            thread.interrupt();
        }
    }

    private static long rss(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
