package ai.ofa.model;

import ai.ofa.image.CodeGrid;
import ai.ofa.image.VqganPixels;
import ai.ofa.testing.Fixtures;
import ai.ofa.testing.Npy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A generated VQGAN at the published model's shape (ch 128, 2 res blocks, z 256, 8192 codes; random weights) under
 * ONNX Runtime Java against this project's PyTorch model (goldens of {@code ofa_export.vqgan_fixtures}): codes
 * where PyTorch's top-1/top-2 margin exceeds 1e-3, every decoded float within 1e-4, uint8 images identical but for
 * boundary flips; on the whole 256 px images (batch 2) and on their middle 128 x 128 crops (16 x 16 codes).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VqganRealShapeParityTest {
    private Path built;
    private VqganModel vq;

    @BeforeAll
    void open() {
        built = Fixtures.built("vqgan/real");
        vq = VqganModel.load(built.resolve("package"), SessionSettings.DEFAULT.withThreads(2));
    }

    @AfterAll
    void close() {
        vq.close();
    }

    @Test
    void wholeImages() {
        check(Npy.floats(built.resolve("input.npy")), "codes", "margins", "decoded", 32);
    }

    @Test
    void middleCrops() {
        Floats input = Npy.floats(built.resolve("input.npy"));
        int b = (int) input.dim(0);
        float[] crop = new float[b * 3 * 128 * 128];
        for (int i = 0; i < b; i++) {
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 128; y++) {
                    System.arraycopy(input.data(), ((i * 3 + c) * 256 + 64 + y) * 256 + 64, crop,
                            ((i * 3 + c) * 128 + y) * 128, 128);
                }
            }
        }
        check(new Floats(crop, new long[]{b, 3, 128, 128}), "crop_codes", "crop_margins", "crop_decoded", 16);
    }

    private void check(Floats input, String codesFile, String marginsFile, String decodedFile, int side) {
        Longs wantCodes = (Longs) Npy.read(built.resolve(codesFile + ".npy"));
        Floats margins = Npy.floats(built.resolve(marginsFile + ".npy"));
        List<VqganModel.Encoded> got = vq.encodePixels(input);
        int per = side * side;
        int compared = 0;
        for (int b = 0; b < got.size(); b++) {
            assertEquals(side, got.get(b).grid().rows());
            int[] codes = got.get(b).grid().codes();
            for (int i = 0; i < per; i++) {
                if (margins.data()[b * per + i] > 1e-3) {
                    assertEquals(wantCodes.data()[b * per + i], codes[i], codesFile + " item " + b + " code " + i);
                    compared++;
                }
            }
        }
        assertTrue(compared > 0.9 * got.size() * per, "compared " + compared + " codes");

        List<CodeGrid> grids = new ArrayList<>();   // PyTorch's own codes, so the decoders see the same input
        for (int b = 0; b < got.size(); b++) {
            int[] codes = new int[per];
            for (int i = 0; i < per; i++) {
                codes[i] = (int) wantCodes.data()[b * per + i];
            }
            grids.add(CodeGrid.square(codes, side, 8192));
        }
        Floats want = Npy.floats(built.resolve(decodedFile + ".npy"));
        Floats pixels = vq.decode(grids);
        assertEquals(Arrays.toString(want.shape()), Arrays.toString(pixels.shape()));
        float worst = 0;
        for (int i = 0; i < want.data().length; i++) {
            worst = Math.max(worst, Math.abs(want.data()[i] - pixels.data()[i]));
        }
        assertTrue(worst <= 1e-4, decodedFile + ": largest difference " + worst);
        int hw = (int) (want.dim(2) * want.dim(3));
        for (int b = 0; b < grids.size(); b++) {
            byte[] a = VqganPixels.toImage(want.data(), b * 3 * hw, (int) want.dim(3), (int) want.dim(2)).rgb();
            byte[] m = VqganPixels.toImage(pixels.data(), b * 3 * hw, (int) want.dim(3), (int) want.dim(2)).rgb();
            VqganReferenceParityTest.assertBoundaryFlipsOnly(a, m, decodedFile + " item " + b);
        }
    }
}
