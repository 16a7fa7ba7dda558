package ai.ofa.image;

import ai.ofa.testing.TestImages;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageDecoderTest {
    private final ImageDecoder decoder = new ImageDecoder();

    static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out), "no writer for " + format);
        return out.toByteArray();
    }

    static BufferedImage pattern(int type, int w, int h) {
        BufferedImage img = new BufferedImage(w, h, type);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, 0xff000000 | (x * 7 & 0xff) << 16 | (y * 5 & 0xff) << 8 | ((x + y) & 0xff));
            }
        }
        return img;
    }

    @Test
    void pngGifBmpDecodeToTheSamePixels() throws IOException {
        BufferedImage img = pattern(BufferedImage.TYPE_INT_RGB, 37, 23);
        RgbImage png = decoder.decode(encode(img, "png"));
        RgbImage bmp = decoder.decode(encode(img, "bmp"));
        assertEquals(37, png.width());
        assertEquals(23, png.height());
        assertTrue(Arrays.equals(png.rgb(), bmp.rgb()));
        int p = (5 * 37 + 9) * 3;
        assertEquals(9 * 7 & 0xff, png.rgb()[p] & 0xff);
        assertEquals(5 * 5 & 0xff, png.rgb()[p + 1] & 0xff);
        RgbImage gif = decoder.decode(encode(pattern(BufferedImage.TYPE_BYTE_INDEXED, 8, 8), "gif"));
        assertEquals(8, gif.width());
    }

    @Test
    void greyAndAlphaBecomeRgbAsPillowConverts() throws IOException {
        BufferedImage grey = new BufferedImage(4, 3, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(2, 1, 0, 200);
        RgbImage g = decoder.decode(encode(grey, "png"));
        int p = (1 * 4 + 2) * 3;
        assertEquals(200, g.rgb()[p] & 0xff);
        assertEquals(200, g.rgb()[p + 2] & 0xff);
        BufferedImage argb = new BufferedImage(2, 2, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(1, 1, 0x10203040);   // alpha 0x10 is dropped, not composited
        RgbImage a = decoder.decode(encode(argb, "png"));
        assertEquals(0x20, a.rgb()[9] & 0xff);
        assertEquals(0x40, a.rgb()[11] & 0xff);
    }

    @Test
    void badBytesGiveClearErrors() throws IOException {
        assertTrue(assertThrows(ImageDecodeException.class, () -> decoder.decode(new byte[0]))
                .getMessage().contains("Empty image"));
        assertTrue(assertThrows(ImageDecodeException.class, () -> decoder.decode("hello, not an image".getBytes()))
                .getMessage().contains("Not an image"));
        byte[] png = encode(pattern(BufferedImage.TYPE_INT_RGB, 64, 64), "png");
        String truncated = assertThrows(ImageDecodeException.class,
                () -> decoder.decode(Arrays.copyOf(png, png.length / 3))).getMessage();
        assertTrue(truncated.contains("Corrupt or truncated PNG"), truncated);
        byte[] corrupt = png.clone();
        for (int i = 60; i < corrupt.length - 20; i++) {
            corrupt[i] ^= 0x5a;
        }
        assertThrows(ImageDecodeException.class, () -> decoder.decode(corrupt));
    }

    @Test
    void decompressionBombIsRefusedFromTheHeaderAlone() {
        byte[] bomb = TestImages.pngHeaderOnly(50_000, 50_000);
        long t0 = System.nanoTime();
        String msg = assertThrows(ImageDecodeException.class, () -> decoder.decode(bomb)).getMessage();
        assertTrue(msg.contains("50000x50000") && msg.contains("exceeds the limit"), msg);
        assertTrue(bomb.length < 100, "the bomb is a tiny file");
        assertTrue((System.nanoTime() - t0) < 5_000_000_000L, "refused without decoding pixels");
        assertThrows(ImageDecodeException.class, () -> new ImageDecoder(100).decode(TestImages.pngHeaderOnly(11, 10)));
    }

    @Test
    void resizeUpAndNonSquareKeepsRangeAndIdentityAtSameSize() {
        byte[] rgb = new byte[5 * 3 * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) (i * 17);
        }
        byte[] same = PillowResize.bicubic(rgb, 5, 3, 5, 3);
        assertTrue(Arrays.equals(rgb, same));
        byte[] up = PillowResize.bicubic(rgb, 5, 3, 16, 16);
        assertEquals(16 * 16 * 3, up.length);
    }
}
