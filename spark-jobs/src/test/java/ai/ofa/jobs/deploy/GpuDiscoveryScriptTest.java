package ai.ofa.jobs.deploy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** deploy/getGpusResources.sh prints the JSON Spark's resource discovery expects, from nvidia-smi or the env. */
class GpuDiscoveryScriptTest {
    private static String run(Path fakeBin, Map<String, String> env) throws Exception {
        Path script = Path.of(System.getProperty("ofa.project.root"), "deploy", "getGpusResources.sh");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString());
        pb.environment().remove("CUDA_VISIBLE_DEVICES");
        pb.environment().put("PATH", fakeBin + ":/usr/bin:/bin");
        pb.environment().putAll(env);
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    @Test
    void listsTheGpusNvidiaSmiReportsOrTheVisibleOnes(@TempDir Path tmp) throws Exception {
        Path smi = tmp.resolve("nvidia-smi");
        Files.writeString(smi, "#!/bin/sh\necho 0\necho 1\n");
        Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertEquals("{\"name\": \"gpu\", \"addresses\": [\"0\",\"1\"]}", run(tmp, Map.of()));
        assertEquals("{\"name\": \"gpu\", \"addresses\": [\"0\",\"1\",\"2\"]}",
                run(tmp, Map.of("CUDA_VISIBLE_DEVICES", "4,5,7")));
        Files.delete(smi);
        assertEquals("{\"name\": \"gpu\", \"addresses\": []}", run(tmp, Map.of()));
    }
}
