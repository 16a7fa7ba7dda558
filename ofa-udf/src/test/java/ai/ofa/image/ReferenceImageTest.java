package ai.ofa.image;

import ai.ofa.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decoding and Pillow-exact resizing against the reference fixture: byte-identical hashes, exact sums. */
class ReferenceImageTest {
    private final Path fixture = Fixtures.referenceFixture();

    @TestFactory
    Stream<DynamicTest> decodedAndResizedPixelsMatchPillow() throws IOException {
        JsonNode expected = new ObjectMapper().readTree(fixture.resolve("expected.json").toFile());
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode image : expected.get("images")) {
            tests.add(DynamicTest.dynamicTest("decode " + image.get("name").asText(), () -> {
                RgbImage img = decode(image);
                assertEquals(image.get("width").asInt(), img.width());
                assertEquals(image.get("height").asInt(), img.height());
                JsonNode d = image.get("decoded_rgb");
                assertArraySums(d.get("channel_sum"), img.rgb());
                assertEquals(d.get("sha256").asText(), sha256(img.rgb()), "decoded RGB bytes");
            }));
        }
        for (JsonNode p : expected.get("preprocess")) {
            JsonNode image = find(expected.get("images"), p.get("image").asText());
            int size = p.get("size").asInt();
            tests.add(DynamicTest.dynamicTest("resize " + p.get("image").asText() + " to " + size, () -> {
                byte[] resized = ImagePreprocessor.resize(decode(image), size);
                assertArraySums(p.get("resized_uint8").get("channel_sum"), resized);
                assertEquals(p.get("resized_uint8").get("sha256").asText(), sha256(resized), "resized bytes");
                float[] chw = new float[3 * size * size];
                ImagePreprocessor.normalize(resized, size, new float[]{0.5f, 0.5f, 0.5f},
                        new float[]{0.5f, 0.5f, 0.5f}, chw, 0);
                for (JsonNode px : p.get("tensor").get("pixels")) {
                    int y = px.get("y").asInt();
                    int x = px.get("x").asInt();
                    for (int c = 0; c < 3; c++) {
                        double want = px.get("value").get(c).asDouble();
                        float got = chw[c * size * size + y * size + x];
                        assertTrue(Math.abs(want - got) <= 1e-6, "pixel (" + y + "," + x + ") c" + c + ": " + want
                                + " vs " + got);
                    }
                }
            }));
        }
        return tests.stream();
    }

    private RgbImage decode(JsonNode image) throws IOException {
        return new ImageDecoder().decode(Files.readAllBytes(fixture.resolve(image.get("file").asText())));
    }

    private static JsonNode find(JsonNode images, String name) {
        for (JsonNode i : images) {
            if (i.get("name").asText().equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("No image " + name);
    }

    private static void assertArraySums(JsonNode sums, byte[] rgb) {
        long[] got = new long[3];
        for (int i = 0; i < rgb.length; i++) {
            got[i % 3] += rgb[i] & 0xff;
        }
        for (int c = 0; c < 3; c++) {
            assertEquals(sums.get(c).asLong(), got[c], "channel " + c + " sum");
        }
    }

    static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
