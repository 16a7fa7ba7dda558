package ai.ofa.model;

import ai.ofa.generate.Hypothesis;
import ai.ofa.generate.SamplingSettings;
import ai.ofa.image.ImageDecoder;
import ai.ofa.image.ImagePreprocessor;
import ai.ofa.image.RgbImage;
import ai.ofa.task.ImageInfill;
import ai.ofa.task.TextToImage;
import ai.ofa.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The converter's {@code --dtype fp16} image-code graphs (text-only encoder, code decoder) against fp32, on the
 * generated test package (ONNX Runtime's CPU kernels stand in for the GPU): fed fp32's greedy codes through the KV
 * cache for a whole image (1024 steps on the 32-wide grid of text-to-image; 256 on infilling's 16-wide grid),
 * every step's log-prob of that code within 2e-2 of fp32's (as the fp16 text graphs), and fp16's own choice equal
 * to fp32's at every step whose top-1/top-2 margin leaves room for that drift.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Fp16CodeDecoderTest {
    /** Log-prob tolerance of the fp16 graphs (Fp16PackageTest's, for the text path). */
    private static final double TOLERANCE = 2e-2;
    private OfaModel fp32;
    private OfaModel fp16;

    @BeforeAll
    void load() {
        fp32 = OfaModel.load(Fixtures.built("generated/package"), SessionSettings.DEFAULT.withThreads(2));
        fp16 = OfaModel.load(Fixtures.built("generated/package-fp16"), SessionSettings.DEFAULT.withThreads(2));
        assertEquals("fp16", fp16.modelPackage().dtype());
    }

    @AfterAll
    void close() {
        fp32.close();
        fp16.close();
    }

    @Test
    void textToImageCodesAgreeOverAWholeImage() {
        int[] ids = fp32.tokenizer().encode(TextToImage.prompt("a red circle and a blue square"));
        try (EncodedBatch e32 = fp32.encodeText(List.of(ids)); EncodedBatch e16 = fp16.encodeText(List.of(ids))) {
            compare("text-to-image", e32, e16, 32, 1024);
        }
    }

    @Test
    void infillingCodesAgreeOverTheMiddle() throws IOException {
        RgbImage img = new ImageDecoder().decode(Files.readAllBytes(Fixtures.projectRoot()
                .resolve("testdata/ofa-reference/images/astronaut.png")));
        int side = ImageInfill.SIZE;
        float[] px = new float[3 * side * side];
        ImageSettings is = fp32.modelPackage().image();
        ImagePreprocessor.normalize(ImagePreprocessor.resize(img, side), side, is.mean(), is.std(), px, 0);
        for (int ch = 0; ch < 3; ch++) {
            for (int y = ImageInfill.MASK_FROM; y < ImageInfill.MASK_FROM + ImageInfill.MIDDLE; y++) {
                java.util.Arrays.fill(px, (ch * side + y) * side + ImageInfill.MASK_FROM,
                        (ch * side + y) * side + ImageInfill.MASK_FROM + ImageInfill.MIDDLE, 0f);
            }
        }
        int[] ids = fp32.tokenizer().encode(" what is the image in the middle part?");
        Floats pixels = new Floats(px, new long[]{1, 3, side, side});
        try (EncodedBatch e32 = fp32.encodePixels(pixels, List.of(ids));
             EncodedBatch e16 = fp16.encodePixels(pixels, List.of(ids))) {
            compare("infill", e32, e16, 16, 256);
        }
    }

    private void compare(String what, EncodedBatch e32, EncodedBatch e16, int grid, int steps) {
        VocabularyLayout v = fp32.modelPackage().vocabulary();
        int lo = v.codeFirstId();
        int hi = lo + v.numCodes();
        Hypothesis greedy = fp32.generateCodes(e32, SamplingSettings.greedy(), grid, steps, s -> { }).get(0).get(0);
        assertTrue(greedy.tokens().length >= steps, "codes of fp32: " + greedy.tokens().length);
        double maxDiff = 0;
        int choicesCompared = 0;
        try (KvCacheDecoder d32 = KvCacheDecoder.forCodes(fp32.backend(), e32, new int[]{0}, grid);
             KvCacheDecoder d16 = KvCacheDecoder.forCodes(fp16.backend(), e16, new int[]{0}, grid)) {
            long token = fp32.modelPackage().specialIds().bos();
            for (int t = 0; t < steps; t++) {
                double[] a = CodeDecoderGoldensTest.restricted(d32.step(new long[]{token}), lo, hi);
                double[] b = CodeDecoderGoldensTest.restricted(d16.step(new long[]{token}), lo, hi);
                int chosen = greedy.tokens()[t];
                assertEquals(greedy.tokenLogprobs()[t], a[chosen], 1e-4, what + ": fp32 steps replay the search");
                maxDiff = Math.max(maxDiff, Math.abs(a[chosen] - b[chosen]));
                int[] top = top2(a);
                if (a[top[0]] - a[top[1]] > 2 * TOLERANCE) {
                    assertEquals(top[0], top2(b)[0], what + ": fp16's choice at step " + t);
                    choicesCompared++;
                }
                token = chosen;   // fp32's code, so both caches hold the same sequence
            }
        }
        System.out.printf("[fp16 codes] %s: %d steps, max |log-prob fp16 - fp32| of the chosen code %.2e, "
                + "choices compared %d%n", what, steps, maxDiff, choicesCompared);
        assertTrue(maxDiff <= TOLERANCE, what + ": fp16 drifted: " + maxDiff);
        assertTrue(maxDiff > 1e-5, what + ": no difference at all: the graphs do not compute in half precision");
        assertTrue(choicesCompared > steps / 2, what + ": too few clear choices to compare: " + choicesCompared);
    }

    private static int[] top2(double[] lp) {
        int best = -1;
        int second = -1;
        for (int i = 0; i < lp.length; i++) {
            if (best < 0 || lp[i] > lp[best]) {
                second = best;
                best = i;
            } else if (second < 0 || lp[i] > lp[second]) {
                second = i;
            }
        }
        return new int[]{best, second};
    }
}
