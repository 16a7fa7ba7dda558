package ai.ofa.image;

import ai.ofa.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Against Debian's Pillow, run by {@code ofa_export.pillow_reference}: BICUBIC resizes of photographs at 256, 384,
 * 480 and 512 (down, up, non-square) byte-identical; every image format decoded to Pillow's {@code convert('RGB')}
 * bytes, exactly where the codecs allow it and within a stated bound where they cannot (lossy WebP: the Java VP8
 * decoder's chroma upsampling differs from libwebp's).
 */
class PillowReferenceTest {
    /** Largest per-channel difference accepted per format; 0 means byte-identical. */
    static int tolerance(String file) {
        return switch (file) {
            // the Java VP8 decoder upsamples chroma without libwebp's "fancy" filter: measured 14 levels
            case "webp_lossy.webp" -> 16;
            default -> 0;
        };
    }

    @TestFactory
    Stream<DynamicTest> resizeMatchesPillowExactly() throws IOException {
        Path dir = Fixtures.built("pillow/resize");
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : new ObjectMapper().readTree(dir.resolve("cases.json").toFile())) {
            tests.add(DynamicTest.dynamicTest(c.get("file").asText() + " -> " + c.get("size").asInt(), () -> {
                RgbImage img = new ImageDecoder().decode(Files.readAllBytes(dir.resolve(c.get("file").asText())));
                assertEquals(c.get("width").asInt(), img.width());
                byte[] resized = ImagePreprocessor.resize(img, c.get("size").asInt());
                assertEquals(c.get("sha256").asText(), ReferenceImageTest.sha256(resized));
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> everyFormatDecodesAsPillowConvertsIt() throws IOException {
        Path dir = Fixtures.built("pillow/formats");
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : new ObjectMapper().readTree(dir.resolve("cases.json").toFile())) {
            String file = c.get("file").asText();
            tests.add(DynamicTest.dynamicTest(file + " (" + c.get("pillow_mode").asText() + ")", () -> {
                RgbImage img = new ImageDecoder().decode(Files.readAllBytes(dir.resolve(file)));
                byte[] want = Files.readAllBytes(dir.resolve(file + ".rgb"));
                assertEquals(c.get("width").asInt(), img.width());
                assertEquals(c.get("height").asInt(), img.height());
                int max = 0;
                for (int i = 0; i < want.length; i++) {
                    max = Math.max(max, Math.abs((want[i] & 0xff) - (img.rgb()[i] & 0xff)));
                }
                System.out.println("[pillow-formats] " + file + ": max difference " + max + " levels");
                assertTrue(max <= tolerance(file), file + ": max difference " + max + " > " + tolerance(file));
            }));
        }
        return tests.stream();
    }
}
