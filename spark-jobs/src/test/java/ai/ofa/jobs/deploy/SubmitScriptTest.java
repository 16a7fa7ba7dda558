package ai.ofa.jobs.deploy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/submit.sh hands spark-submit one application jar (the cluster jar) and no --jars list, the properties of the
 * chosen kind, and the packages its arguments need (hadoop-aws for s3a, Iceberg's runtime for --output-table). A
 * spark-submit that prints its arguments stands in for Spark's.
 */
class SubmitScriptTest {
    private record Result(int code, List<String> args, String output) {
    }

    private static Result submit(Path tmp, Map<String, String> env, String... args) throws Exception {
        Path home = tmp.resolve("spark");
        Files.createDirectories(home.resolve("bin"));
        Path fake = home.resolve("bin/spark-submit");
        Files.writeString(fake, "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path script = Path.of(System.getProperty("ofa.project.root"), "deploy", "submit.sh");
        List<String> cmd = new ArrayList<>(List.of("bash", script.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("SPARK_HOME", home.toString());
        pb.environment().remove("OFA_PACKAGES");
        pb.environment().putAll(env);
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), List.of(out.split("\n")), out);
    }

    @Test
    void oneClusterJarAndThePackagesTheArgumentsNeed(@TempDir Path tmp) throws Exception {
        Path jar = tmp.resolve("spark-jobs-9.9-all.jar");
        Files.write(jar, new byte[]{1});
        Result r = submit(tmp, Map.of("OFA_JAR", jar.toString()), "local", "gpu", "--", "--input", "s3a://lake/in",
                "--output", "s3a://lake/out", "--output-table", "lake.db.t");
        assertEquals(0, r.code(), r.output());
        List<String> a = r.args();
        assertFalse(a.contains("--jars"), "no jar list: " + a);
        int main = a.indexOf(jar.toString());
        assertTrue(main > 0, "the cluster jar is the application jar: " + a);
        assertEquals(List.of("--device", "gpu", "--input", "s3a://lake/in"), a.subList(main + 1, main + 5));
        assertEquals("ai.ofa.jobs.enrich.EnrichJob", a.get(a.indexOf("--class") + 1));
        assertTrue(a.get(a.indexOf("--properties-file") + 1).endsWith("conf/spark-defaults-gpu.conf"), a.toString());
        assertEquals("org.apache.hadoop:hadoop-aws:3.5.0,org.apache.iceberg:iceberg-spark-runtime-4.1_2.13:1.11.0",
                a.get(a.indexOf("--packages") + 1));

        Result plain = submit(tmp, Map.of("OFA_JAR", jar.toString()), "local", "--", "--input", "/data/in");
        assertEquals(0, plain.code(), plain.output());
        assertFalse(plain.args().contains("--packages"), plain.args().toString());
        assertEquals("cpu", plain.args().get(plain.args().indexOf("--device") + 1));

        Result missing = submit(tmp, Map.of("OFA_JAR", tmp.resolve("nope.jar").toString()), "local", "--",
                "--input", "x");
        assertEquals(2, missing.code());
        assertTrue(missing.output().contains("no cluster jar") && missing.output().contains("mvn -DskipTests package"),
                missing.output());
    }
}
