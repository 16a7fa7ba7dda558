package ai.ofa.image;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * VQGAN's pixel conventions, code grids and PNG bytes, value by value: the expected numbers are OFA's formulas
 * worked by hand (x / 255 * 2 - 1 in; clamp, (x + 1) / 2 * 255 truncated out), and PNG bytes are read back by the
 * JDK's own decoder. Written to kill PIT's mutants in these classes (swapped channels, planes, bounds).
 */
class VqganPixelsAndCodesTest {
    @Test
    void signedUnitIsChwOfTwoXOver255MinusOne() {
        byte[] rgb = {0, (byte) 255, 51, (byte) 204, 102, 0};   // 2 x 1 pixels
        float[] out = new float[1 + 6];
        VqganPixels.toSignedUnit(rgb, 2, 1, out, 1);
        assertEquals(0f, out[0]);   // before the offset: untouched
        // plane R: pixels 0, 1; plane G; plane B
        assertArrayEquals(new float[]{-1f, 0.6f, 1f, -0.2f, 2f * 0.2f - 1f, -1f},
                java.util.Arrays.copyOfRange(out, 1, 7), 1e-6f);
        assertThrows(IllegalArgumentException.class, () -> VqganPixels.toSignedUnit(rgb, 3, 1, out, 0));
    }

    @Test
    void toImageClampsShiftsAndTruncates() {
        assertEquals(0, VqganPixels.toByte(-1f));
        assertEquals(0, VqganPixels.toByte(-7f));
        assertEquals(255, VqganPixels.toByte(1f));
        assertEquals(255, VqganPixels.toByte(3f));
        assertEquals(127, VqganPixels.toByte(0f));     // 127.5 truncated
        assertEquals(191, VqganPixels.toByte(0.5f));   // 191.25
        assertEquals(0, VqganPixels.toByte(Float.NaN));
        float[] chw = {9f, 1f, -1f, 0f, 0.5f, -1f, 1f};   // offset 1: R plane (1, -1), G (0, 0.5), B (-1, 1)
        RgbImage img = VqganPixels.toImage(chw, 1, 2, 1);
        assertArrayEquals(new byte[]{(byte) 255, 127, 0, 0, (byte) 191, (byte) 255}, img.rgb());
        assertThrows(IllegalArgumentException.class, () -> VqganPixels.toImage(chw, 2, 2, 1));
        assertThrows(IllegalArgumentException.class, () -> VqganPixels.toImage(chw, -1, 2, 1));
    }

    @Test
    void signedUnitThenToImageIsTheIdentityOnBytes() {
        byte[] rgb = new byte[4 * 3 * 3];
        new Random(5).nextBytes(rgb);
        float[] chw = new float[rgb.length];
        VqganPixels.toSignedUnit(rgb, 4, 3, chw, 0);
        RgbImage back = VqganPixels.toImage(chw, 0, 4, 3);
        for (int i = 0; i < rgb.length; i++) {   // float rounding may lose one step, never more
            assertTrue(Math.abs((rgb[i] & 0xff) - (back.rgb()[i] & 0xff)) <= 1, "byte " + i);
        }
    }

    @Test
    void pasteAndCropMoveTheRightPixels() {
        byte[] base = new byte[4 * 3 * 3];
        for (int i = 0; i < base.length; i++) {
            base[i] = (byte) i;
        }
        RgbImage img = new RgbImage(base, 4, 3);
        RgbImage crop = VqganPixels.crop(img, 1, 1, 2, 2);
        // rows 1-2, columns 1-2: pixel (x, y) starts at byte (y * 4 + x) * 3
        assertArrayEquals(new byte[]{15, 16, 17, 18, 19, 20, 27, 28, 29, 30, 31, 32}, crop.rgb());
        RgbImage patch = new RgbImage(new byte[]{-1, -1, -1, -2, -2, -2}, 2, 1);
        RgbImage pasted = VqganPixels.paste(img, patch, 2, 2);
        byte[] expected = base.clone();
        System.arraycopy(patch.rgb(), 0, expected, (2 * 4 + 2) * 3, 6);
        assertArrayEquals(expected, pasted.rgb());
        assertArrayEquals(base, img.rgb(), "paste copies");
        assertThrows(IllegalArgumentException.class, () -> VqganPixels.paste(img, patch, 3, 0));
        assertThrows(IllegalArgumentException.class, () -> VqganPixels.paste(img, patch, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> VqganPixels.paste(img, patch, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> VqganPixels.crop(img, 3, 0, 2, 1));
        assertThrows(IllegalArgumentException.class, () -> VqganPixels.crop(img, 0, 2, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> VqganPixels.crop(img, 0, -1, 1, 1));
    }

    @Test
    void codeGridsCheckCountSquareAndRange() {
        int[] codes = new int[16];
        for (int i = 0; i < 16; i++) {
            codes[i] = i * 3;
        }
        CodeGrid g = CodeGrid.square(codes, 48);
        assertEquals(4, g.rows());
        assertEquals(4, g.cols());
        assertEquals(16, g.size());
        assertArrayEquals(codes, g.codes());
        codes[0] = 99;
        assertEquals(0, g.codes()[0], "the grid holds a copy");
        assertEquals(g, CodeGrid.square(g.codes(), 4, 48));
        assertEquals(g.hashCode(), CodeGrid.square(g.codes(), 4, 48).hashCode());
        assertTrue(!g.equals(new CodeGrid(g.codes(), 2, 8)));
        assertEquals("CodeGrid[4 x 4]", g.toString());
        String range = assertThrows(IllegalArgumentException.class, () -> CodeGrid.square(g.codes(), 45))
                .getMessage();
        assertTrue(range.contains("Code 16 of 16 is 45") && range.contains("[0, 45)"), range);
        assertThrows(IllegalArgumentException.class, () -> CodeGrid.square(new int[]{-1}, 8));
        assertThrows(IllegalArgumentException.class, () -> CodeGrid.square(new int[15], 8));
        assertThrows(IllegalArgumentException.class, () -> CodeGrid.square(new int[0], 8));
        assertThrows(IllegalArgumentException.class, () -> CodeGrid.square(new int[16], 3, 8));
        assertThrows(IllegalArgumentException.class, () -> new CodeGrid(new int[6], 2, 2));
        assertThrows(IllegalArgumentException.class, () -> new CodeGrid(new int[0], 0, 0));
    }

    @Test
    void codeTextParsesSpacesAndCommasAndNamesTheBadCode() {
        assertArrayEquals(new int[]{12, 7, 4095, 3}, CodeGrid.parse("  12 7,4095\t 3 "));
        assertThrows(IllegalArgumentException.class, () -> CodeGrid.parse("   "));
        assertThrows(IllegalArgumentException.class, () -> CodeGrid.parse(null));
        String msg = assertThrows(IllegalArgumentException.class,
                () -> CodeGrid.parse("1 2 x123456789012345678901234")).getMessage();
        assertTrue(msg.contains("Code 3 is 'x1234567890123456789...'"), msg);
    }

    @Test
    void pngBytesDecodeToTheSameRgb() throws Exception {
        byte[] rgb = new byte[5 * 3 * 3];
        new Random(9).nextBytes(rgb);
        byte[] png = PngWriter.encode(new RgbImage(rgb, 5, 3));
        java.awt.image.BufferedImage back = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png));
        assertEquals(5, back.getWidth());
        assertEquals(3, back.getHeight());
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 5; x++) {
                int i = (y * 5 + x) * 3;
                int expected = (rgb[i] & 0xff) << 16 | (rgb[i + 1] & 0xff) << 8 | (rgb[i + 2] & 0xff);
                assertEquals(expected, back.getRGB(x, y) & 0xffffff, "pixel " + x + "," + y);
            }
        }
    }
}
