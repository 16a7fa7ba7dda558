package ai.ofa.model;

import ai.ofa.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

class ModelPackageTest {
    @TempDir
    Path tmp;

    private Path copyBundled() throws IOException {
        Path src = Fixtures.projectRoot().resolve("models/ofa-tiny-random");
        Path dst = tmp.resolve("pkg");
        Files.createDirectories(dst);
        try (var files = Files.list(src)) {
            for (Path f : files.toList()) {
                Files.copy(f, dst.resolve(f.getFileName()));
            }
        }
        return dst;
    }

    private static String message(Path p) {
        return assertThrows(ModelPackageException.class, () -> ModelPackage.open(p)).getMessage();
    }

    @Test
    void readsTheBundledManifest() {
        ModelPackage pkg = ModelPackage.open(Fixtures.projectRoot().resolve("models/ofa-tiny-random"));
        assertEquals(480, pkg.image().resolutionFor("caption"));
        assertEquals(512, pkg.image().resolutionFor("grounding"));
        assertEquals(pkg.vocabulary().codeFirstId() + 8192, pkg.vocabulary().binFirstId());
        assertEquals(64, pkg.sha256().length());
        assertTrue(pkg.requiredFiles().contains("decoder.onnx"));
    }

    @Test
    void missingFileIsNamed() throws IOException {
        Path p = copyBundled();
        Files.delete(p.resolve("cross_kv.onnx"));
        assertTrue(message(p).contains("missing file cross_kv.onnx"));
    }

    @Test
    void badManifestIsNamed() throws IOException {
        Path p = copyBundled();
        Files.writeString(p.resolve("ofa-model.json"), "{ broken");
        assertTrue(message(p).contains("Corrupt manifest"));
        Files.writeString(p.resolve("ofa-model.json"), "{\"format_version\": 7}");
        assertTrue(message(p).contains("format_version 7 is not supported"));
        assertTrue(message(tmp.resolve("nowhere")).contains("not found"));
    }

    @Test
    void graphInputsThatDoNotMatchTheManifestAreRefusedAtLoad() throws IOException {
        Path p = copyBundled();
        String m = Files.readString(p.resolve("ofa-model.json")).replace("\"patch_images\"", "\"pixels\"");
        Files.writeString(p.resolve("ofa-model.json"), m);
        ModelPackage pkg = ModelPackage.open(p);
        String msg = assertThrows(ModelPackageException.class,
                () -> OnnxBackend.open(pkg, SessionSettings.DEFAULT)).getMessage();
        assertTrue(msg.contains("does not match the manifest") && msg.contains("pixels"), msg);
    }

    @Test
    void zipPackagesOpenAndZipSlipIsRefused() throws IOException {
        Path src = copyBundled();
        Path zip = tmp.resolve("pkg.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
            try (var files = Files.list(src)) {
                for (Path f : files.toList()) {
                    z.putNextEntry(new ZipEntry("ofa-tiny-random/" + f.getFileName()));
                    Files.copy(f, z);
                    z.closeEntry();
                }
            }
        }
        assertEquals("ofa-tiny-random", ModelPackage.open(zip).name());
        Path evil = tmp.resolve("evil.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(evil))) {
            z.putNextEntry(new ZipEntry("../../escaped.txt"));
            z.write("x".getBytes());
            z.closeEntry();
        }
        assertTrue(message(evil).contains("outside the extraction folder"));
    }

    @Test
    void cudaWithoutTheGpuBuildFailsLoudly() {
        ModelPackage pkg = ModelPackage.open(Fixtures.projectRoot().resolve("models/ofa-tiny-random"));
        // A GPU build reports this test as skipped (not passed): the GPU check script covers that build instead.
        assumeFalse(OnnxBackend.availableProviders().contains("CUDA"), "ONNX Runtime build has the CUDA provider");
        String msg = assertThrows(IllegalStateException.class,
                () -> OnnxBackend.open(pkg, SessionSettings.DEFAULT.withDevice(Device.cuda(0)))).getMessage();
        assertTrue(msg.contains("no CUDA provider"), msg);
    }

}
