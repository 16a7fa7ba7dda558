package ai.ofa.model;

import ai.ofa.task.Captioning;
import ai.ofa.task.OfaResult;
import ai.ofa.task.Scoring;
import ai.ofa.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A package in the layout of OFA-large and -huge (each graph's weights in one {@code NAME.onnx.data} beside it,
 * named in the manifest with size and SHA-256), made by the converter's {@code --external-data always} on the
 * small generated model: it computes exactly what the embedded package computes, and a short or altered data file
 * is refused, naming the file.
 */
class ExternalDataPackageTest {
    private static final Path EMBEDDED = Fixtures.built("generated/package");
    private static final Path EXTERNAL = Fixtures.built("generated/package-external");

    @Test
    void manifestListsOneDataFilePerGraph() {
        ModelPackage pkg = ModelPackage.open(EXTERNAL);
        for (String graph : List.of("encoder", "cross_kv", "decoder")) {
            GraphSpec.ExternalData data = pkg.graph(graph).externalData().orElseThrow();
            assertEquals(graph + ".onnx.data", data.file());
            assertTrue(pkg.requiredFiles().contains(data.file()), "hashed and shipped with the package");
        }
        assertTrue(ModelPackage.open(EMBEDDED).graph("encoder").externalData().isEmpty());
        pkg.sha256();   // verifies every data file against its checksum
    }

    @Test
    void externalWeightsComputeWhatEmbeddedWeightsCompute() throws IOException {
        byte[] image = Files.readAllBytes(Fixtures.projectRoot().resolve("examples/images/hubble_deep_field.jpg"));
        try (OfaModel embedded = OfaModel.load(EMBEDDED, SessionSettings.DEFAULT);
             OfaModel external = OfaModel.load(EXTERNAL, SessionSettings.DEFAULT)) {
            OfaResult a = new Scoring(embedded, "caption").run(List.of(image), List.of(Captioning.PROMPT),
                    List.of(" two stars and a galaxy")).get(0).get();
            OfaResult b = new Scoring(external, "caption").run(List.of(image), List.of(Captioning.PROMPT),
                    List.of(" two stars and a galaxy")).get(0).get();
            assertArrayEquals(a.tokenLogprobs(), b.tokenLogprobs(), "same weights, same graph: bit for bit");
            OfaResult ca = new Captioning(embedded, Captioning.DEFAULTS.withMaxLen(6)).run(List.of(image)).get(0).get();
            OfaResult cb = new Captioning(external, Captioning.DEFAULTS.withMaxLen(6)).run(List.of(image)).get(0).get();
            assertArrayEquals(ca.tokens(), cb.tokens());
        }
    }

    @Test
    void shortDataFileIsRefusedAtOpen(@TempDir Path tmp) throws IOException {
        Path copy = copy(EXTERNAL, tmp.resolve("pkg"));
        Path data = copy.resolve("decoder.onnx.data");
        long size = Files.size(data);
        try (RandomAccessFile f = new RandomAccessFile(data.toFile(), "rw")) {
            f.setLength(size / 2);   // an interrupted copy
        }
        String msg = assertThrows(ModelPackageException.class, () -> ModelPackage.open(copy)).getMessage();
        assertTrue(msg.contains("decoder.onnx.data has " + size / 2 + " bytes, the manifest says " + size), msg);
    }

    @Test
    void alteredDataFileFailsItsChecksum(@TempDir Path tmp) throws IOException {
        Path copy = copy(EXTERNAL, tmp.resolve("pkg"));
        try (RandomAccessFile f = new RandomAccessFile(copy.resolve("encoder.onnx.data").toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0x40);   // one flipped bit: same size, other weights
        }
        ModelPackage pkg = ModelPackage.open(copy);
        String msg = assertThrows(ModelPackageException.class, pkg::sha256).getMessage();
        assertTrue(msg.contains("encoder.onnx.data does not match the SHA-256"), msg);
    }

    private static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, to.resolve(f.getFileName()));
                }
            }
        }
        return to;
    }
}
