package ai.ofa.jobs.enrich;

import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorMetricsUpdate;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reports a running enrich job: records, images/s, errors and an ETA, on a terminal as a one-line bar redrawn every
 * second, elsewhere (cluster logs) as a line every 30 seconds. Live, not only when tasks end: accumulators merge
 * into the driver's value only when a task finishes, so a {@link SparkListener} adds the partial values of running
 * tasks that executor heartbeats carry ({@code spark.executor.heartbeatInterval}, 10 s by default).
 *
 * <pre>{@code try (Progress p = new Progress(spark, done, failed, filesToDo, tasks)) { ... p.unitDone(files); }}</pre>
 */
final class Progress extends SparkListener implements AutoCloseable {
    private final SparkSession spark;
    private final LongAccumulator done;
    private final LongAccumulator failed;
    private final long files;
    private final int tasks;
    private final long start = System.nanoTime();
    private final AtomicLong filesDone = new AtomicLong();
    /** taskId -> {done, failed} of a running task, from its latest heartbeat. */
    private final Map<Long, long[]> running = new ConcurrentHashMap<>();
    private final boolean terminal = System.console() != null;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ofa-progress");
        t.setDaemon(true);
        return t;
    });

    /** @param files input files this run has to do (for the ETA), or a negative number when unknown */
    Progress(SparkSession spark, LongAccumulator done, LongAccumulator failed, long files, int tasks) {
        this.spark = spark;
        this.done = done;
        this.failed = failed;
        this.files = files;
        this.tasks = Math.max(1, tasks);
        spark.sparkContext().addSparkListener(this);
        long period = terminal ? 1 : 30;
        timer.scheduleAtFixedRate(this::report, period, period, TimeUnit.SECONDS);
    }

    @Override
    public void onExecutorMetricsUpdate(SparkListenerExecutorMetricsUpdate update) {
        update.accumUpdates().foreach(t -> {
            long taskId = (Long) t._1();
            // only tasks seen starting and not yet ended: a heartbeat sent before a task ended can arrive after
            // its end, and counting it then would add its rows twice (and keep its entry for ever)
            long[] v = running.get(taskId);
            if (v == null) {
                return null;
            }
            t._4().foreach(info -> {
                record(v, info);
                return null;
            });
            return null;
        });
    }

    private void record(long[] v, AccumulableInfo info) {
        if (info.update().isEmpty() || !(info.update().get() instanceof Long n)) {
            return;
        }
        if (info.id() == done.id()) {
            v[0] = n;
        } else if (info.id() == failed.id()) {
            v[1] = n;
        }
    }

    @Override
    public void onTaskStart(org.apache.spark.scheduler.SparkListenerTaskStart start) {
        running.put(start.taskInfo().taskId(), new long[2]);
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        running.remove(end.taskInfo().taskId());   // its final values are in the accumulators now
    }

    void unitDone(int unitFiles) {
        filesDone.addAndGet(unitFiles);
    }

    long liveDone() {
        return done.value() + running.values().stream().mapToLong(v -> v[0]).sum();
    }

    long liveFailed() {
        return failed.value() + running.values().stream().mapToLong(v -> v[1]).sum();
    }

    String line() {
        long d = liveDone();
        double seconds = (System.nanoTime() - start) / 1e9;
        double rate = d / (double) tasks / Math.max(seconds, 1e-9);
        String eta = "ETA unknown";
        long f = filesDone.get();
        if (files > 0 && f > 0) {
            eta = String.format("ETA %s", duration(seconds / f * Math.max(0, files - f)));
        }
        if (files <= 0) {
            return String.format("%d records, %.2f images/s, %d errors", d / tasks, rate, liveFailed());
        }
        int width = 30;
        int filled = (int) Math.min(width, width * f / files);
        return String.format("[%s%s] %d/%d files, %d records, %.2f images/s, %d errors, %s", "#".repeat(filled),
                " ".repeat(width - filled), f, files, d / tasks, rate, liveFailed(), eta);
    }

    private static String duration(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format("%dh%02dm", t / 3600, t / 60 % 60) : String.format("%dm%02ds", t / 60, t % 60);
    }

    private void report() {
        if (terminal) {
            System.err.print("\r" + line());
        } else {
            System.err.println("ofa enrich progress: " + line());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        spark.sparkContext().removeSparkListener(this);
        if (terminal) {
            System.err.println("\r" + line());
        }
    }
}
