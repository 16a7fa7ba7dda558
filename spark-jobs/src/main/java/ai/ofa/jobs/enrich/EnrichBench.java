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
 * <pre>./ofa bench-enrich [--records 16] [--model PKG]
 * ./ofa bench-enrich --plan-only --files 10000,100000
 * ./ofa bench-enrich --records 2000 --executor-jvm     # 2,000 and 20,000 records, executor heap apart
 * ./ofa bench-enrich --crash [--files 40] [--records 400] [--model models/ofa-scenes]</pre>
 */
public final class EnrichBench {
    static final String DEFAULT_MODEL = "models/ofa-tiny-random";
    private static final int CRASH_UNIT = 4;

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
        @picocli.CommandLine.Option(names = "--model", paramLabel = "PKG", defaultValue = DEFAULT_MODEL,
                description = "the package (default: ${DEFAULT-VALUE}; models/ofa-scenes for --crash)")
        String model;
        @picocli.CommandLine.Option(names = "--images", paramLabel = "DIR", description = "the images the records "
                + "cycle through (default: examples/images' astronaut and Hubble photos; examples/scenes/images suits "
                + "models/ofa-scenes)")
        String imagesDir;
        @picocli.CommandLine.Option(names = "--plan-only", description = "measure only the driver's planning: "
                + "the listing and the units of --files tiny synthetic files (default: off)")
        boolean planOnly;
        @picocli.CommandLine.Option(names = "--files", paramLabel = "N", split = ",", description = "input files: "
                + "for --plan-only (default: 10000,100000), for --crash (default: 40)")
        List<Integer> files;
        @picocli.CommandLine.Option(names = "--crash", description = "the cost of a crash: a clean run, a run whose "
                + "driver dies half-way (after the middle unit is published, before its commit), and the rerun, each "
                + "a driver JVM of its own over --files Parquet files of --records records in all, 4 files a unit; "
                + "prints the rerun's share of the clean run (default: off)")
        boolean crash;
        @picocli.CommandLine.Option(names = "--executor-jvm", description = "the N and 10N runs only, each in a "
                + "driver JVM of its own on local-cluster[1,CORES,3072]: one executor JVM beside the driver, the live "
                + "heap of each sampled apart (no runtime-loop baseline; default: off)")
        boolean executorJvm;

        @Override
        public Integer call() throws IOException {
            if (crash) {
                int n = files == null ? 40 : files.get(0);
                String pkg = model.equals(DEFAULT_MODEL) ? "models/ofa-scenes" : model;
                crashCost(n, records == 16 ? 400 : records, pkg);
                return 0;
            }
            if (planOnly) {
                files = files == null ? List.of(10_000, 100_000) : files;
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
            if (executorJvm) {
                benchExecutorJvm(records, model, imagesDir);
            } else {
                bench(records, model, imagesDir);
            }
            return 0;
        }
    }

    static void bench(int records, String model, String imagesDir) throws IOException {
        int cores = Runtime.getRuntime().availableProcessors();
        Path work = Path.of("build", "bench-enrich");
        deleteTree(work);
        List<byte[]> images = benchImages(imagesDir);
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

    private static List<byte[]> benchImages(String imagesDir) throws IOException {
        return imagesDir == null ? List.of(Files.readAllBytes(Path.of("examples/images/astronaut.png")),
                Files.readAllBytes(Path.of("examples/images/hubble_deep_field.jpg"))) : imagesOf(Path.of(imagesDir));
    }

    /**
     * N and 10N records with the executor in a JVM of its own: each run is a driver JVM on
     * {@code local-cluster[1,CORES,3072]} (Spark's in-process Master and Worker, one executor process, as on a
     * cluster), with {@link HeapSamplerPlugin} sampling the live heap of the driver and of the executor apart. The
     * driver keeps Spark's status store (jobs, stages, SQL plans: it grows with the number of units); the executor
     * holds the model and the batch in flight, so its curve should stay flat whatever the record count.
     */
    static void benchExecutorJvm(int records, String model, String imagesDir) throws IOException {
        int cores = Runtime.getRuntime().availableProcessors();
        Path work = Path.of("build", "bench-enrich", "executor-jvm").toAbsolutePath();
        deleteTree(work);
        List<byte[]> images = benchImages(imagesDir);
        SparkSession spark = SparkSession.builder().master("local[" + cores + "]").appName("ofa-enrich-bench")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            for (int n : new int[]{records, 10 * records}) {
                writeInput(spark, work.resolve("in-" + n), images, n, Math.max(1, n / 8));
            }
        } finally {
            spark.stop();
        }
        // The in-process Worker starts the executor with SPARK_HOME/jars on its class path: an empty one here, the
        // executor gets this JVM's class path instead (spark.executor.extraClassPath), as the cluster jar would be.
        Path sparkHome = work.resolve("spark-home");
        Files.createDirectories(sparkHome.resolve("jars"));
        Files.writeString(sparkHome.resolve("RELEASE"), "Spark from the class path (bench-enrich --executor-jvm)\n");
        double[] seconds = new double[2];
        long[] executorLast = new long[2];
        int run = 0;
        for (int n : new int[]{records, 10 * records}) {
            Path heap = work.resolve("heap-" + n);
            Path log = work.resolve("run-" + n + ".log");
            List<String> cmd = javaWithThisJvmsFlags();
            String opens = String.join(" ", cmd.subList(2, cmd.size()));
            cmd.addAll(List.of("-Dspark.plugins=" + HeapSamplerPlugin.class.getName(),
                    "-D" + HeapSamplerPlugin.DIR + "=" + heap, "-Dspark.driver.host=127.0.0.1",
                    "-Dspark.executor.memory=3g", "-Dspark.executor.extraJavaOptions=" + opens,
                    "-Dspark.executor.extraClassPath=" + System.getProperty("java.class.path"),
                    "-cp", System.getProperty("java.class.path"), EnrichJob.class.getName(), "--master",
                    "local-cluster[1," + cores + ",3072]", "--input", work.resolve("in-" + n).toString(), "--output",
                    work.resolve("out-" + n).toString(), "--model", Path.of(model).toAbsolutePath().toString(),
                    "--tasks", "caption", "--batch-size", "8"));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("SPARK_HOME", sparkHome.toString());
            pb.environment().put("SPARK_SCALA_VERSION", "2.13");
            int exit = waitFor(pb.start());
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("; (\\d+) rows processed, (\\d+) errors, "
                    + "[0-9.]+ images/s in ([0-9.]+) s").matcher(Files.readString(log));
            if (exit != 0 || !m.find()) {
                throw new IllegalStateException("the enrich driver on local-cluster failed (exit " + exit + "); see "
                        + log);
            }
            List<Long> driverHeap = heapCurve(heap.resolve("driver.txt"));
            List<Long> executorHeap;
            try (Stream<Path> files = Files.list(heap)) {
                Path executorFile = files.filter(f -> f.getFileName().toString().startsWith("executor-"))
                        .findFirst().orElseThrow(() -> new IllegalStateException("no executor heap samples in "
                                + heap + "; see " + log));
                executorHeap = heapCurve(executorFile);
            }
            seconds[run] = Double.parseDouble(m.group(3));
            executorLast[run] = executorHeap.isEmpty() ? 0 : executorHeap.get(executorHeap.size() - 1);
            System.out.printf("{\"records\":%d,\"rows_out\":%s,\"errors\":%s,\"enrich_job_s\":%.2f,"
                            + "\"job_images_per_s\":%.3f,\"driver_live_heap_mb\":%s,"
                            + "\"executor_live_heap_mb\":%s,\"executors\":1,\"executor_cores\":%d}%n", n,
                    m.group(1), m.group(2), seconds[run], n / seconds[run], tenPoints(driverHeap),
                    tenPoints(executorHeap), cores);
            run++;
        }
        System.out.printf("{\"records_ratio\":10,\"time_ratio\":%.2f,\"executor_final_live_heap_mb\":[%d,%d]}%n",
                seconds[1] / seconds[0], executorLast[0], executorLast[1]);
    }

    private static List<Long> heapCurve(Path file) throws IOException {
        List<Long> mb = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            String[] parts = line.trim().split(" ");
            if (parts.length == 2) {
                mb.add(Long.parseLong(parts[1]));
            }
        }
        return mb;
    }

    /** Up to ten evenly spaced points of a curve. */
    private static List<Long> tenPoints(List<Long> curve) {
        List<Long> points = new ArrayList<>();
        int n = Math.min(10, curve.size());
        for (int i = 0; i < n; i++) {
            points.add(curve.get(i * curve.size() / n));
        }
        if (n > 0 && !points.get(n - 1).equals(curve.get(curve.size() - 1))) {
            points.set(n - 1, curve.get(curve.size() - 1));   // the last point is the end of the run
        }
        return points;
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
                long[] units = EnrichJob.planUnits(spark, resolved, inputs.files());
                double planning = (System.nanoTime() - t1) / 1e9;
                System.out.printf("{\"input_files\":%d,\"driver_listing_s\":%.2f,\"units\":%d,"
                        + "\"files_in_units\":%d,\"files_per_unit\":%d,\"streaming_plan_s\":%.2f}%n", n, listing,
                        units[0], units[1], resolved.maxFilesPerBatch(), planning);
            }
        } finally {
            spark.stop();
        }
    }

    /**
     * The cost of a crash, measured: three driver JVMs over the same input, each as spark-submit would start it
     * ({@code local[*]}, this JVM's flags): a clean run; a run halted after the middle unit is published and before
     * its commit ({@link CrashPoint}: the unit replayed, the most a crash can cost short of a unit in progress); the
     * rerun. The rerun's share of the clean run is what the crash cost beyond the work already done.
     */
    static void crashCost(int files, int records, String model) throws IOException {
        if (files < 2 * CRASH_UNIT || records < files) {
            throw new ai.ofa.cli.OfaCli.UsageException("--crash needs --files >= " + 2 * CRASH_UNIT
                    + " and --records >= --files, got " + files + " and " + records);
        }
        Path work = Path.of("build", "bench-enrich", "crash");
        deleteTree(work);
        Path in = work.resolve("in");
        List<byte[]> images = imagesOf(Path.of("examples/scenes/images"));
        SparkSession spark = SparkSession.builder().master("local[2]").appName("ofa-enrich-crash-bench")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            writeInput(spark, in, images, records, files);
        } finally {
            spark.stop();
        }
        int units = (files + CRASH_UNIT - 1) / CRASH_UNIT;
        long middle = units / 2 - 1;   // batch ids count from 0: the unit that ends the first half
        Driver clean = driver(in, work.resolve("out-clean"), model, null, work.resolve("clean.log"));
        Driver crashed = driver(in, work.resolve("out-crash"), model, "published:" + middle,
                work.resolve("crashed.log"));
        Driver rerun = driver(in, work.resolve("out-crash"), model, null, work.resolve("rerun.log"));
        System.out.printf("{\"input_files\":%d,\"records\":%d,\"files_per_unit\":%d,\"units\":%d,"
                + "\"halted_after_unit\":%d,\"clean_s\":%.1f,\"clean_rows\":%d,\"crashed_run_s\":%.1f,"
                + "\"crashed_exit\":%d,\"rerun_s\":%.1f,\"rerun_rows\":%d,\"rerun_files\":%d,"
                + "\"rerun_files_skipped\":%d,\"rerun_share_of_clean\":%.3f}%n", files, records,
                CRASH_UNIT, units, middle, clean.seconds, clean.rows, crashed.seconds, crashed.exit, rerun.seconds,
                rerun.rows, rerun.files, rerun.skipped, rerun.seconds / clean.seconds);
    }

    private static List<byte[]> imagesOf(Path dir) throws IOException {
        List<byte[]> images = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
                images.add(Files.readAllBytes(p));
            }
        }
        if (images.isEmpty()) {
            throw new ai.ofa.cli.OfaCli.UsageException("--images " + dir + " holds no file");
        }
        return images;
    }

    /** {@code java -Xmx3g} and the module and logging flags of this JVM (Spark's --add-opens list among them). */
    private static List<String> javaWithThisJvmsFlags() {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx3g"));
        for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens") || a.startsWith("-Dio.netty") || a.startsWith("-Djdk.reflect")
                    || a.startsWith("-Dlog4j2")) {
                cmd.add(a);
            }
        }
        return cmd;
    }

    private static int waitFor(Process p) throws IOException {
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private record Driver(double seconds, int exit, long rows, int files, int skipped, Path log) {
    }

    private static Driver driver(Path in, Path out, String model, String haltAt, Path log) throws IOException {
        List<String> cmd = javaWithThisJvmsFlags();
        if (haltAt != null) {
            cmd.add("-D" + CrashPoint.PROPERTY + "=" + haltAt);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), EnrichJob.class.getName(), "--master",
                "local[*]", "--input", in.toString(), "--output", out.toString(), "--model", model, "--tasks",
                "caption", "--max-files-per-batch", String.valueOf(CRASH_UNIT)));
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int exit;
        try {
            exit = p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("ofa enrich: (\\d+) input file\\(s\\) processed, "
                + "(\\d+) already committed \\(skipped\\); (\\d+) rows processed").matcher(Files.readString(log));
        if (haltAt == null && !m.find()) {
            throw new IllegalStateException("the enrich driver printed no summary (exit " + exit + "); see " + log);
        }
        boolean done = haltAt == null;
        return new Driver(seconds, exit, done ? Long.parseLong(m.group(3)) : 0,
                done ? Integer.parseInt(m.group(1)) : 0, done ? Integer.parseInt(m.group(2)) : 0, log);
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
