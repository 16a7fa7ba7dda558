package ai.ofa.jobs.enrich;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A Spark plugin for benchmarks: in the driver and in every executor, a daemon thread forces a full GC every few
 * seconds and appends the live heap (MB used right after it) to a file of its own, so the executors' memory curve is
 * seen apart from the driver's (which holds Spark's status store). Each forced collection costs its JVM a pause.
 *
 * <pre>-Dspark.plugins=ai.ofa.jobs.enrich.HeapSamplerPlugin -Dspark.ofa.heapSampler.dir=build/heap
 * # build/heap/driver.txt, build/heap/executor-0.txt: lines "SECONDS_SINCE_START LIVE_HEAP_MB"</pre>
 */
public final class HeapSamplerPlugin implements SparkPlugin {
    static final String DIR = "spark.ofa.heapSampler.dir";
    static final String INTERVAL_MS = "spark.ofa.heapSampler.intervalMs";

    @Override
    public DriverPlugin driverPlugin() {
        return new DriverPlugin() {
            private Sampler sampler;

            @Override
            public Map<String, String> init(SparkContext sc, PluginContext context) {
                sampler = Sampler.start(context.conf(), "driver");
                return Map.of();
            }

            @Override
            public void shutdown() {
                sampler.stop();
            }
        };
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new ExecutorPlugin() {
            private Sampler sampler;

            @Override
            public void init(PluginContext context, Map<String, String> extraConf) {
                sampler = Sampler.start(context.conf(), "executor-" + context.executorID());
            }

            @Override
            public void shutdown() {
                sampler.stop();
            }
        };
    }

    private static final class Sampler {
        private final Thread thread;
        private volatile boolean running = true;

        private Sampler(Path file, long intervalMs) {
            long t0 = System.nanoTime();
            thread = new Thread(() -> {
                try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                    while (running) {
                        System.gc();
                        long mb = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
                        w.write(String.format("%.1f %d%n", (System.nanoTime() - t0) / 1e9, mb));
                        w.flush();
                        try {
                            Thread.sleep(intervalMs);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("heap sampler: cannot write " + file, e);
                }
            }, "ofa-heap-sampler");
            thread.setDaemon(true);
        }

        static Sampler start(SparkConf conf, String role) {
            if (!conf.contains(DIR)) {
                throw new IllegalArgumentException("HeapSamplerPlugin needs " + DIR + " (the folder for its files)");
            }
            Path dir = Path.of(conf.get(DIR));
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("heap sampler: cannot create " + dir, e);
            }
            Sampler s = new Sampler(dir.resolve(role + ".txt"), conf.getLong(INTERVAL_MS, 3000));
            s.thread.start();
            return s;
        }

        void stop() {
            running = false;
            thread.interrupt();
        }
    }
}
