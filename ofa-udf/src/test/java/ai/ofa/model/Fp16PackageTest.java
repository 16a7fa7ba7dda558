package ai.ofa.model;

import ai.ofa.task.Captioning;
import ai.ofa.task.OfaResult;
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
 * close to fp32: same greedy caption, teacher-forced log-probs within 2e-2.
 */
class Fp16PackageTest {
    @Test
    void halfPrecisionPackageAgreesWithFp32() throws IOException {
        byte[] image = Files.readAllBytes(Fixtures.projectRoot().resolve("examples/images/hubble_deep_field.jpg"));
        try (OfaModel fp32 = OfaModel.load(Fixtures.built("generated/package"), SessionSettings.DEFAULT);
             OfaModel fp16 = OfaModel.load(Fixtures.built("generated/package-fp16"), SessionSettings.DEFAULT)) {
            assertEquals("fp16", fp16.modelPackage().dtype());
            Captioning settings32 = new Captioning(fp32, Captioning.DEFAULTS.withBeam(1).withMaxLen(6));
            Captioning settings16 = new Captioning(fp16, Captioning.DEFAULTS.withBeam(1).withMaxLen(6));
            OfaResult a = settings32.run(List.of(image)).get(0).get();
            OfaResult b = settings16.run(List.of(image)).get(0).get();
            assertArrayEquals(a.tokens(), b.tokens(), "greedy tokens fp32 vs fp16");
            OfaResult s32 = new Scoring(fp32, "caption").run(List.of(image), List.of(Captioning.PROMPT),
                    List.of(" what does the region describe?")).get(0).get();
            OfaResult s16 = new Scoring(fp16, "caption").run(List.of(image), List.of(Captioning.PROMPT),
                    List.of(" what does the region describe?")).get(0).get();
            double max = 0;
            for (int i = 0; i < s32.tokenLogprobs().length; i++) {
                max = Math.max(max, Math.abs(s32.tokenLogprobs()[i] - s16.tokenLogprobs()[i]));
            }
            System.out.println("[fp16] max teacher-forced log-prob difference vs fp32: " + max);
            assertTrue(max <= 2e-2, "fp16 drifted: " + max);
        }
    }
}
