package ai.ofa.jobs.enrich;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real Spark standalone cluster (a Master and two Workers on 127.0.0.1, SPARK_HOME/jars holding Spark's own jars
 * only) running the enrich job from the cluster jar ({@code spark-jobs-VERSION-all.jar}, as {@code --jars} ships it):
 * one Worker is killed, with its executor, while the job runs; a SparkListener sees the executor removed and its
 * running tasks fail, they are retried on the other Worker, and the output still holds every input row exactly once.
 * Runs after {@code package} (failsafe), since it needs that jar.
 */
class StandaloneClusterFaultIT {
    private static final String OPENS = String.join(" ",
            "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED", "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
            "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED", "-Djdk.reflect.useDirectMethodHandle=false",
            "-Dio.netty.tryReflectionSetAccessible=true");

    @Test
    void killedWorkerLosesAndDuplicatesNothing(@TempDir Path tmp) throws Exception {
        Path root = Path.of(System.getProperty("ofa.project.root"));
        Path clusterJar = Path.of(System.getProperty("ofa.cluster.jar"));
        assertTrue(Files.isRegularFile(clusterJar), "the cluster jar is built by mvn package: " + clusterJar);
        Path sparkHome = sparkHomeOfSparkJars(tmp.resolve("spark-home"));
        int masterPort = freePort();
        Path logs = root.resolve("spark-jobs/target/standalone-cluster");   // kept for post-mortems
        Files.createDirectories(logs);
        List<Process> daemons = new ArrayList<>();
        SparkSession spark = null;
        try {
            daemons.add(daemon(sparkHome, logs.resolve("master.log"), "org.apache.spark.deploy.master.Master",
                    "--host", "127.0.0.1", "--port", String.valueOf(masterPort), "--webui-port", "0"));
            waitForPort(masterPort, 60);
            for (int w = 0; w < 2; w++) {
                daemons.add(daemon(sparkHome, logs.resolve("worker" + w + ".log"), "org.apache.spark.deploy.worker.Worker",
                        "--host", "127.0.0.1", "--cores", "1", "--memory", "2g", "--webui-port", "0",
                        "--work-dir", logs.resolve("work" + w).toString(), "spark://127.0.0.1:" + masterPort));
            }

            Path in = tmp.resolve("in");
            Files.createDirectories(in);
            spark = SparkSession.builder().master("spark://127.0.0.1:" + masterPort).appName("ofa-fault-test")
                    .config("spark.ui.enabled", "false").config("spark.executor.memory", "1500m")
                    .config("spark.executor.cores", "1").config("spark.driver.host", "127.0.0.1")
                    .config("spark.executor.extraJavaOptions", OPENS).config("spark.task.maxFailures", "8")
                    .config("spark.sql.files.maxRecordsPerFile", "0")
                    .config("spark.jars", clusterJar.toUri().toString()).getOrCreate();
            FaultListener faults = new FaultListener();
            spark.sparkContext().addSparkListener(faults);
            byte[] image = Files.readAllBytes(root.resolve("examples/images/astronaut.png"));
            StructType schema = new StructType().add("key", DataTypes.StringType).add("image", DataTypes.BinaryType);
            int perFile = 6;
            for (int f = 0; f < 3; f++) {
                List<Row> rows = new ArrayList<>();
                for (int i = 0; i < perFile; i++) {
                    rows.add(RowFactory.create("f" + f + "-" + i, image));
                }
                spark.createDataFrame(rows, schema).coalesce(1).write().parquet(in.resolve("part" + f).toString());
            }
            Path out = tmp.resolve("out");
            EnrichOptions o = EnrichOptions.parse(new String[]{"--input", in.toString(), "--output", out.toString(),
                "--model", root.resolve("models/ofa-tiny-random").toString(), "--tasks", "caption",
                "--batch-size", "2"});
            SparkSession session = spark;
            ExecutorService pool = Executors.newSingleThreadExecutor();
            Future<EnrichJob.Summary> job = pool.submit(() -> EnrichJob.run(session, o));
            // kill the executor of a task that is under way (a second in, the model loaded), with its Worker
            String victim = faults.awaitTaskUnderWay(180);
            ProcessHandle executor = executorProcess(victim);
            assertTrue(!job.isDone(), "the Worker must die while the job runs");
            ProcessHandle worker = executor.parent().orElseThrow();
            assertTrue(worker.info().commandLine().orElse("").contains("deploy.worker.Worker"), "executor's parent");
            worker.destroyForcibly();
            assertTrue(executor.destroyForcibly() || !executor.isAlive(), "could not kill the executor");
            EnrichJob.Summary summary = job.get(10, TimeUnit.MINUTES);
            pool.shutdown();
            assertEquals(3 * perFile, summary.rows());
            long rows = spark.read().parquet(out.resolve("data").toString()).count();
            long keys = spark.read().parquet(out.resolve("data").toString()).select("key").distinct().count();
            assertEquals(3 * perFile, rows, "rows out == rows in");
            assertEquals(3 * perFile, keys, "every key exactly once");
            assertTrue(waitForExecutor(1).pid() != executor.pid(), "the other Worker's executor finished the job");
            assertEquals(victim, faults.removed.isEmpty() ? victim : faults.removed.iterator().next());
            // the listener bus is asynchronous: its events of the job are in once the job is done and the bus idle
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (faults.removed.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertEquals(1, faults.removed.size(), "exactly the killed executor was removed: " + faults.removed);
            String lost = faults.removed.iterator().next();
            assertTrue(faults.failedOn.contains(lost), "tasks failed on the lost executor " + lost + ": "
                    + faults.failedOn);
            assertTrue(faults.succeededOn.stream().anyMatch(e -> !e.equals(lost)),
                    "tasks succeeded on the other executor: " + faults.succeededOn);
            assertTrue(faults.failures.stream().anyMatch(r -> r.startsWith("ExecutorLostFailure")),
                    "why they failed: " + faults.failures);
        } finally {
            if (spark != null) {
                spark.stop();
            }
            for (Process p : daemons) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        }
    }

    /**
     * SPARK_HOME/jars as a Spark distribution has it: the provided-scope jars (Spark, Hadoop client and what they
     * bring), plus the Jackson jars of the test classpath, which Maven counts as ours because our runtime names
     * Jackson too. None of our classes and none of our other dependencies: those come from the cluster jar.
     */
    private static Path sparkHomeOfSparkJars(Path home) throws IOException {
        Path jars = home.resolve("jars");
        Files.createDirectories(jars);
        Files.writeString(home.resolve("RELEASE"), "Spark from the Maven jars (test cluster)\n");  // else: "build dirs"
        List<String> entries = new ArrayList<>(List.of(Files.readString(Path.of(System.getProperty(
                "ofa.spark.classpath"))).strip().split(File.pathSeparator)));
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String entry : cp.split(File.pathSeparator)) {
            if (Path.of(entry).getFileName().toString().startsWith("jackson-")) {
                entries.add(entry);
            }
        }
        for (String entry : entries) {
            Path p = Path.of(entry);
            String name = p.getFileName().toString();
            if (name.startsWith("onnxruntime") || name.startsWith("ofa-") || name.startsWith("spark-jobs")) {
                throw new AssertionError("not a Spark jar: " + entry);
            }
            if (entry.endsWith(".jar") && Files.isRegularFile(p)) {
                Path link = jars.resolve(name);
                if (!Files.exists(link)) {
                    Files.createSymbolicLink(link, p);
                }
            }
        }
        return home;
    }

    /** What the scheduler reports: executors removed, and the executors tasks failed or succeeded on. */
    static final class FaultListener extends org.apache.spark.scheduler.SparkListener {
        final java.util.Set<String> removed = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final java.util.Set<String> failedOn = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final java.util.Set<String> succeededOn = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onExecutorRemoved(org.apache.spark.scheduler.SparkListenerExecutorRemoved e) {
            removed.add(e.executorId());
        }

        /** Running tasks: task id -> {executor id, launch time in ms}. */
        final Map<Long, Object[]> running = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public void onTaskStart(org.apache.spark.scheduler.SparkListenerTaskStart e) {
            running.put(e.taskInfo().taskId(), new Object[]{e.taskInfo().executorId(), e.taskInfo().launchTime()});
        }

        /** The executor of a task that has run between one and four seconds (so it is mid-work, not ending). */
        String awaitTaskUnderWay(int seconds) throws InterruptedException {
            long deadline = System.nanoTime() + seconds * 1_000_000_000L;
            while (System.nanoTime() < deadline) {
                long now = System.currentTimeMillis();
                for (Object[] t : running.values()) {
                    long age = now - (Long) t[1];
                    if (age >= 1000 && age <= 4000) {
                        return (String) t[0];
                    }
                }
                Thread.sleep(50);
            }
            throw new AssertionError("no task ran for a second within " + seconds + " s");
        }

        @Override
        public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd e) {
            running.remove(e.taskInfo().taskId());
            if (e.taskInfo().successful()) {
                succeededOn.add(e.taskInfo().executorId());
            } else {
                failedOn.add(e.taskInfo().executorId());
                failures.add(e.reason().toString());
            }
        }
    }

    private static Process daemon(Path sparkHome, Path log, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m"));
        cmd.addAll(List.of(OPENS.split(" ")));
        cmd.addAll(List.of("-cp", sparkHome.resolve("jars") + "/*", mainClass));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_HOME", sparkHome.toString());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");   // the launcher asks before it looks at jars/
        return pb.start();
    }

    /** The executor process of a Spark executor id (its command line carries --executor-id ID). */
    private static ProcessHandle executorProcess(String executorId) {
        return ProcessHandle.allProcesses().filter(h -> h.info().commandLine().map(c ->
                c.contains("CoarseGrainedExecutorBackend") && c.matches(".*--executor-id " + executorId + "( .*|$)"))
                .orElse(false)).findFirst().orElseThrow(() -> new AssertionError("no process for executor "
                + executorId));
    }

    private static ProcessHandle waitForExecutor(int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            Optional<ProcessHandle> p = ProcessHandle.allProcesses().filter(h -> h.info().commandLine()
                    .map(c -> c.contains("CoarseGrainedExecutorBackend")).orElse(false)).findFirst();
            if (p.isPresent()) {
                return p.get();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no executor process appeared within " + seconds + " s");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void waitForPort(int port, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(200);
            }
        }
        throw new AssertionError("port " + port + " did not open within " + seconds + " s");
    }
}
