package ai.ofa.model;

import ai.ofa.image.CodeGrid;
import ai.ofa.image.ImageDecoder;
import ai.ofa.image.RgbImage;
import ai.ofa.task.ImageCoding;
import ai.ofa.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./ofa convert-vqgan --dtype fp16} against fp32, on the reference fixture's checkpoint (ONNX Runtime's CPU
 * kernels stand in for the GPU): the same codes wherever fp32's top-1/top-2 margin exceeds {@value #MARGIN}, for
 * whole images and infilling's middle crops; decoding the same codes within {@value #FLOAT_TOL} of fp32; and
 * OFA's uint8 image at most {@value #LEVELS} levels off on all but {@value #FLIP_SHARE} of the values.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Fp16VqganTest {
    static final double MARGIN = 0.05;
    static final double FLOAT_TOL = 2e-2;
    static final int LEVELS = 1;
    static final double FLIP_SHARE = 0.001;
    private VqganModel fp32;
    private VqganModel fp16;
    private final List<byte[]> images = new ArrayList<>();

    @BeforeAll
    void open() throws IOException {
        fp32 = VqganModel.load(Fixtures.built("vqgan/reference/package"), SessionSettings.DEFAULT.withThreads(2));
        fp16 = VqganModel.load(Fixtures.built("vqgan/reference/package-fp16"), SessionSettings.DEFAULT.withThreads(2));
        Path dir = Fixtures.projectRoot().resolve("testdata/vqgan-reference/images");
        for (String f : List.of("astronaut.png", "hubble_deep_field.jpg")) {
            images.add(Files.readAllBytes(dir.resolve(f)));
        }
    }

    @AfterAll
    void close() {
        fp32.close();
        fp16.close();
    }

    @Test
    void manifestSaysHalfPrecision() {
        assertEquals("fp16", fp16.vqganPackage().dtype());
        assertEquals("fp32", fp32.vqganPackage().dtype());
    }

    @Test
    void codesAgreeWhereTheMarginIsClear() {
        List<RgbImage> decoded = new ArrayList<>();
        ImageDecoder d = new ImageDecoder();
        images.forEach(b -> decoded.add(d.decode(b)));
        List<VqganModel.Encoded> a = fp32.encode(decoded);
        List<VqganModel.Encoded> b = fp16.encode(decoded);
        int compared = 0;
        int total = 0;
        int differ = 0;
        for (int i = 0; i < decoded.size(); i++) {
            int[] ca = a.get(i).grid().codes();
            int[] cb = b.get(i).grid().codes();
            float[] margins = a.get(i).margins();
            for (int p = 0; p < ca.length; p++) {
                total++;
                differ += ca[p] != cb[p] ? 1 : 0;
                if (margins[p] > MARGIN) {
                    compared++;
                    assertEquals(ca[p], cb[p], "image " + i + ", position " + p + " (fp32 margin " + margins[p] + ")");
                }
            }
        }
        System.out.printf("[fp16 vqgan] whole images: %d of %d codes compared (margin > %.2f), %d differ in all%n",
                compared, total, MARGIN, differ);
        assertTrue(compared > total * 0.9, "too few clear codes to compare: " + compared + " of " + total);
    }

    @Test
    void middleCodesAgreeWhereTheMarginIsClear() {
        List<CodeGrid> a = new ArrayList<>();
        new ImageCoding(fp32).middleCodes(images).forEach(o -> a.add(o.get()));
        List<CodeGrid> b = new ArrayList<>();
        new ImageCoding(fp16).middleCodes(images).forEach(o -> b.add(o.get()));
        int same = 0;
        int total = 0;
        for (int i = 0; i < a.size(); i++) {
            assertEquals(16, b.get(i).rows());
            int[] ca = a.get(i).codes();
            int[] cb = b.get(i).codes();
            for (int p = 0; p < ca.length; p++) {
                total++;
                same += ca[p] == cb[p] ? 1 : 0;
            }
        }
        System.out.printf("[fp16 vqgan] middle crops: %d of %d codes equal%n", same, total);
        assertTrue(same >= total * 0.98, "fp16 middle codes: only " + same + " of " + total + " equal fp32's");
    }

    @Test
    void decodingAgrees() {
        List<CodeGrid> grids = new ArrayList<>();
        new ImageCoding(fp32).codes(images).forEach(o -> grids.add(o.get()));
        float[] a = fp32.decode(grids).data();
        float[] b = fp16.decode(grids).data();
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        List<RgbImage> ia = fp32.decodeToImages(grids);
        List<RgbImage> ib = fp16.decodeToImages(grids);
        long off = 0;
        long values = 0;
        int worst = 0;
        for (int i = 0; i < ia.size(); i++) {
            byte[] pa = ia.get(i).rgb();
            byte[] pb = ib.get(i).rgb();
            for (int k = 0; k < pa.length; k++) {
                int diff = Math.abs((pa[k] & 0xff) - (pb[k] & 0xff));
                worst = Math.max(worst, diff);
                off += diff > LEVELS ? 1 : 0;
                values++;
            }
        }
        System.out.printf("[fp16 vqgan] decode: max |fp16 - fp32| %.2e; uint8: worst %d levels, %d of %d values more "
                + "than %d off%n", max, worst, off, values, LEVELS);
        assertTrue(max <= FLOAT_TOL, "decoded floats drifted: " + max);
        assertTrue(max > 1e-5, "no difference at all: the graphs do not compute in half precision");
        assertTrue(off <= values * FLIP_SHARE, off + " of " + values + " uint8 values more than " + LEVELS + " off");
    }
}
