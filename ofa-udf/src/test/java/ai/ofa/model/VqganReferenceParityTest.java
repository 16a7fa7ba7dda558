package ai.ofa.model;

import ai.ofa.image.CodeGrid;
import ai.ofa.image.ImageDecoder;
import ai.ofa.image.RgbImage;
import ai.ofa.testing.Fixtures;
import ai.ofa.testing.Npy;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The converted reference VQGAN under ONNX Runtime Java against the REFERENCE taming code's outputs
 * ({@code testdata/vqgan-reference/expected.json}): the Java preprocessing equals Pillow's, codes are identical
 * wherever the reference's top-1/top-2 margin exceeds 1e-3, decoded floats are within 1e-4, and OFA's uint8 image
 * differs from the reference's PNG only by boundary flips (at most 1 level on at most 0.1% of the values).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VqganReferenceParityTest {
    static final double MARGIN = 1e-3;
    static final double FLOAT_TOL = 1e-4;
    private JsonNode expected;
    private Path fixture;
    private Path built;
    private VqganModel vq;

    @BeforeAll
    void open() throws IOException {
        fixture = Fixtures.projectRoot().resolve("testdata/vqgan-reference");
        expected = new ObjectMapper().readTree(fixture.resolve("expected.json").toFile());
        built = Fixtures.built("vqgan/reference");
        vq = VqganModel.load(built.resolve("package"), SessionSettings.DEFAULT.withThreads(2));
    }

    @AfterAll
    void close() {
        vq.close();
    }

    private RgbImage image(String file) throws IOException {
        return new ImageDecoder().decode(Files.readAllBytes(fixture.resolve("images").resolve(file)));
    }

    @Test
    void preprocessingEqualsPillow() throws IOException {
        for (JsonNode item : expected.get("images")) {
            String file = item.get("file").asText();
            RgbImage img = image(file);
            float[] mine = new float[3 * 256 * 256];
            ai.ofa.image.VqganPixels.toSignedUnit(ai.ofa.image.ImagePreprocessor.resize(img, 256), 256, 256, mine, 0);
            Floats pillow = Npy.floats(built.resolve("input_" + file.substring(0, file.lastIndexOf('.')) + ".npy"));
            assertArrayEquals(pillow.data(), mine, 0f, file + ": Java's resize and scaling must equal Pillow's");
        }
    }

    @Test
    void codesEqualTheReferenceWhereItsMarginIsClear() throws IOException {
        List<RgbImage> images = new ArrayList<>();
        for (JsonNode item : expected.get("images")) {
            images.add(image(item.get("file").asText()));
        }
        List<VqganModel.Encoded> batch = vq.encode(images);
        for (int b = 0; b < images.size(); b++) {
            JsonNode item = expected.get("images").get(b);
            VqganModel.Encoded single = vq.encode(List.of(images.get(b))).get(0);
            assertEquals(single.grid(), batch.get(b).grid(), "batched and single encodes agree");
            int[] codes = batch.get(b).grid().codes();
            assertEquals(1024, codes.length);
            int compared = 0;
            for (int i = 0; i < codes.length; i++) {
                double margin = item.get("top1_top2_margins").get(i).asDouble();
                assertEquals(margin, batch.get(b).margins()[i], 1e-3, "margin at " + i);
                if (margin > MARGIN) {
                    assertEquals(item.get("codes").get(i).asInt(), codes[i], item.get("file") + " code " + i);
                    compared++;
                }
            }
            assertTrue(compared > 1000, "most positions must be compared, got " + compared);
        }
    }

    @Test
    void decodingTheReferenceCodesGivesItsImage() throws IOException {
        for (JsonNode item : expected.get("images")) {
            CodeGrid grid = CodeGrid.square(ints(item.get("codes")), 8192);
            Floats pixels = vq.decode(List.of(grid));
            assertStats(item.get("decoded"), pixels.data(), item.get("file").asText());
            String stem = item.get("file").asText().replaceAll("\\.[a-z]+$", "");
            RgbImage png = new ImageDecoder().decode(Files.readAllBytes(fixture.resolve("decoded-" + stem + ".png")));
            RgbImage mine = vq.decodeToImages(List.of(grid)).get(0);
            assertBoundaryFlipsOnly(png.rgb(), mine.rgb(), stem);
            JsonNode px = item.get("decoded_uint8_pixels").get(0);
            int at = (px.get("y").asInt() * 256 + px.get("x").asInt()) * 3;
            for (int c = 0; c < 3; c++) {
                assertEquals(px.get("rgb").get(c).asInt(), png.rgb()[at + c] & 0xff, "the PNG is the reference's");
            }
        }
    }

    @Test
    void randomCodesDecodeLikeTheReference() {
        JsonNode rc = expected.get("random_codes");
        Floats pixels = vq.decode(List.of(CodeGrid.square(ints(rc.get("codes")), 8192)));
        assertStats(rc.get("decoded"), pixels.data(), "random codes");
    }

    static void assertStats(JsonNode stats, float[] data, String what) {
        double sum = 0;
        for (float v : data) {
            sum += v;
        }
        double mean = sum / data.length;
        double sq = 0;
        for (float v : data) {
            sq += (v - mean) * (v - mean);
        }
        double std = Math.sqrt(sq / (data.length - 1));
        assertEquals(stats.get("mean").asDouble(), mean, FLOAT_TOL, what + " mean");
        assertEquals(stats.get("std").asDouble(), std, FLOAT_TOL, what + " std");
        for (int i = 0; i < 8; i++) {
            assertEquals(stats.get("first8").get(i).asDouble(), data[i], FLOAT_TOL, what + " value " + i);
        }
    }

    /** At most 1 level apart, and on at most 0.1% of the values. */
    static void assertBoundaryFlipsOnly(byte[] want, byte[] got, String what) {
        assertEquals(want.length, got.length, what);
        int differ = 0;
        for (int i = 0; i < want.length; i++) {
            int d = Math.abs((want[i] & 0xff) - (got[i] & 0xff));
            assertTrue(d <= 1, what + ": value " + i + " differs by " + d);
            if (d > 0) {
                differ++;
            }
        }
        assertTrue(differ <= want.length / 1000, what + ": " + differ + " of " + want.length + " values differ");
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
