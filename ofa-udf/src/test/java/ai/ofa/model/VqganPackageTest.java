package ai.ofa.model;

import ai.ofa.testing.Fixtures;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A malformed VQGAN package is refused at open with the field or file at fault named. */
class VqganPackageTest {
    @TempDir
    Path tmp;
    private int copies;

    private Path copy() throws IOException {
        Path src = Fixtures.built("vqgan/reference/package");
        Path dst = tmp.resolve("vq" + copies++);
        Files.createDirectories(dst);
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : files.toList()) {
                Files.copy(f, dst.resolve(f.getFileName()));
            }
        }
        return dst;
    }

    private String refusedAfter(Consumer<ObjectNode> edit) throws IOException {
        Path p = copy();
        ObjectMapper json = new ObjectMapper();
        ObjectNode m = (ObjectNode) json.readTree(p.resolve(VqganPackage.MANIFEST).toFile());
        edit.accept(m);
        json.writeValue(p.resolve(VqganPackage.MANIFEST).toFile(), m);
        return assertThrows(ModelPackageException.class, () -> VqganPackage.open(p)).getMessage();
    }

    @Test
    void readsTheConvertedFixture() throws IOException {
        VqganPackage vq = VqganPackage.open(copy());
        assertEquals(8192, vq.numCodes());
        assertEquals(256, vq.imageSize());
        assertEquals(8, vq.downsampleFactor());
        assertEquals(32, vq.codeGrid());
        assertEquals(64, vq.sha256().length());
    }

    @Test
    void opensAZipOfThePackage() throws IOException {
        Path dir = copy();
        Path zip = tmp.resolve("vq.zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip));
             Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                out.putNextEntry(new ZipEntry("vq/" + f.getFileName()));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
        assertEquals(VqganPackage.open(dir).sha256(), VqganPackage.open(zip).sha256());
    }

    @Test
    void malformedManifestsAreNamed() throws IOException {
        assertTrue(refusedAfter(m -> m.put("format_version", 9)).contains("format_version 9 is not supported"));
        assertTrue(refusedAfter(m -> m.put("kind", "ofa")).contains("field 'kind' is \"ofa\""));
        assertTrue(refusedAfter(m -> m.remove("num_codes")).contains("field 'num_codes' is missing"));
        assertTrue(refusedAfter(m -> m.put("code_grid", 16)).contains("code_grid 16 is not image_size"));
        assertTrue(refusedAfter(m -> ((ObjectNode) m.get("graphs").get("decoder")).putArray("outputs").add("x"))
                .contains("graphs.decoder has inputs [codes] and outputs [x], expected [codes] and [pixels]"));
        assertTrue(refusedAfter(m -> ((ObjectNode) m.get("graphs")).remove("encoder"))
                .contains("graphs.encoder is missing"));
    }

    @Test
    void missingFilesAreNamed() throws IOException {
        Path p = copy();
        Files.delete(p.resolve("vqgan_decoder.onnx"));
        String msg = assertThrows(ModelPackageException.class, () -> VqganPackage.open(p)).getMessage();
        assertTrue(msg.contains("missing file vqgan_decoder.onnx"), msg);
        Files.writeString(p.resolve(VqganPackage.MANIFEST), "{ broken");
        assertTrue(assertThrows(ModelPackageException.class, () -> VqganPackage.open(p)).getMessage()
                .contains("Corrupt VQGAN manifest"));
    }
}
