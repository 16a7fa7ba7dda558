package ai.ofa.model;

import ai.ofa.task.Captioning;
import ai.ofa.task.OfaResult;
import ai.ofa.task.RawScorer;
import ai.ofa.task.Scoring;
import ai.ofa.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The converter's {@code --dtype fp16} graphs run (ONNX Runtime's CPU kernels stand in for the GPU here) and stay
 * close to fp32: same greedy caption; teacher-forced log-probs and the decoder's raw logits (every vocabulary entry
 * at every position) within bounds derived from measurement.
 *
 * <p>Derivation: on the generated test package, two photos and three targets, fp16 moved log-probs by at most
 * {@value #MEASURED_LOGPROB} and logits by at most {@value #MEASURED_LOGIT} (printed by this test as
 * {@code [fp16] ...}); the bounds are about 3x that (5e-3, 9e-3; the former bound, 2e-2, was 13x). fp16 has an 11-bit significand (relative step 2^-11, 4.9e-4), so
 * these are a few ulps of logits of size up to 2.
 */
class Fp16PackageTest {
    static final double MEASURED_LOGPROB = 1.51e-3;
    static final double MEASURED_LOGIT = 2.94e-3;
    static final double LOGPROB_BOUND = 5e-3;
    static final double LOGIT_BOUND = 9e-3;

    @Test
    void halfPrecisionPackageAgreesWithFp32() throws IOException {
        List<byte[]> images = List.of(
                Files.readAllBytes(Fixtures.projectRoot().resolve("examples/images/hubble_deep_field.jpg")),
                Files.readAllBytes(Fixtures.projectRoot().resolve("examples/images/astronaut.png")));
        List<String> targets = List.of(" what does the region describe?", " a woman in a white suit",
                " stars and galaxies in the night sky");
        try (OfaModel fp32 = OfaModel.load(Fixtures.built("generated/package"), SessionSettings.DEFAULT);
             OfaModel fp16 = OfaModel.load(Fixtures.built("generated/package-fp16"), SessionSettings.DEFAULT)) {
            assertEquals("fp16", fp16.modelPackage().dtype());
            int size = fp32.modelPackage().image().resolutionFor("caption");
            double maxLogprob = 0;
            double maxLogit = 0;
            double logitScale = 0;
            for (byte[] image : images) {
                Captioning c32 = new Captioning(fp32, Captioning.DEFAULTS.withBeam(1).withMaxLen(6));
                Captioning c16 = new Captioning(fp16, Captioning.DEFAULTS.withBeam(1).withMaxLen(6));
                assertArrayEquals(c32.run(List.of(image)).get(0).get().tokens(),
                        c16.run(List.of(image)).get(0).get().tokens(), "greedy tokens fp32 vs fp16");
                for (String target : targets) {
                    OfaResult s32 = new Scoring(fp32, "caption").run(List.of(image), List.of(Captioning.PROMPT),
                            List.of(target)).get(0).get();
                    OfaResult s16 = new Scoring(fp16, "caption").run(List.of(image), List.of(Captioning.PROMPT),
                            List.of(target)).get(0).get();
                    for (int i = 0; i < s32.tokenLogprobs().length; i++) {
                        maxLogprob = Math.max(maxLogprob, Math.abs(s32.tokenLogprobs()[i] - s16.tokenLogprobs()[i]));
                    }
                    float[] l32 = RawScorer.logits(fp32, image, Captioning.PROMPT, size, s32.tokens());
                    float[] l16 = RawScorer.logits(fp16, image, Captioning.PROMPT, size, s32.tokens());
                    assertEquals(l32.length, l16.length);
                    for (int i = 0; i < l32.length; i++) {
                        maxLogit = Math.max(maxLogit, Math.abs(l32[i] - l16[i]));
                        logitScale = Math.max(logitScale, Math.abs(l32[i]));
                    }
                }
            }
            System.out.printf("[fp16] max |log-prob fp16 - fp32| = %.3g (bound %.3g); max |logit fp16 - fp32| = %.3g"
                    + " (bound %.3g, largest |logit| %.3g)%n", maxLogprob, LOGPROB_BOUND, maxLogit, LOGIT_BOUND,
                    logitScale);
            assertTrue(maxLogprob <= LOGPROB_BOUND, "fp16 log-probs drifted: " + maxLogprob);
            assertTrue(maxLogit <= LOGIT_BOUND, "fp16 logits drifted: " + maxLogit);
            assertTrue(maxLogit > 0, "fp16 logits equal fp32 exactly: the fp16 package is not half precision");
        }
    }
}
