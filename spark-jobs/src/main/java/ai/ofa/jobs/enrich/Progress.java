package ai.ofa.jobs.enrich;

import org.apache.spark.util.LongAccumulator;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Reports a running enrich job from its accumulators (also visible in the Spark UI): on a terminal a one-line
 * progress bar (records done / total, images/s, errors) redrawn every second; elsewhere (cluster logs) a line every
 * 30 seconds.
 */
final class Progress implements AutoCloseable {
    private final LongAccumulator done;
    private final LongAccumulator failed;
    private final long total;
    private final int tasks;
    private final long start = System.nanoTime();
    private final boolean terminal = System.console() != null;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ofa-progress");
        t.setDaemon(true);
        return t;
    });

    /** @param totalTaskRows records x tasks to do, or a negative number when the total is unknown */
    Progress(org.apache.spark.sql.SparkSession spark, LongAccumulator done, LongAccumulator failed,
             long totalTaskRows, int tasks) {
        this.done = done;
        this.failed = failed;
        this.total = totalTaskRows;   // < 0: unknown
        this.tasks = Math.max(1, tasks);
        long period = terminal ? 1 : 30;
        timer.scheduleAtFixedRate(this::report, period, period, TimeUnit.SECONDS);
    }

    String line() {
        long d = done.value();
        double seconds = (System.nanoTime() - start) / 1e9;
        double rate = d / (double) tasks / Math.max(seconds, 1e-9);
        if (total <= 0) {
            return String.format("%d records x tasks, %.2f images/s, %d errors", d, rate, failed.value());
        }
        int width = 30;
        int filled = (int) Math.min(width, width * d / total);
        return String.format("[%s%s] %d/%d records x tasks, %.2f images/s, %d errors", "#".repeat(filled),
                " ".repeat(width - filled), d, total, rate, failed.value());
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
        if (terminal) {
            System.err.println("\r" + line());
        }
    }
}
