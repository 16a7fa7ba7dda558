package ai.ofa.image.webp;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * libwebp's fancy upsampler, computed pixel by pixel from its definition (the nearest chroma sample, its horizontal,
 * vertical and diagonal neighbours mirrored at the borders, weights 9-3-3-1 in libwebp's two roundings), against the
 * line-pair implementation, on every parity of width and height; and the fixed-point YUV->RGB against BT.601.
 */
class YuvToRgbTest {
    @Test
    void upsamplerEqualsThePerPixelFormula() {
        Random rnd = new Random(5);
        int[][] sizes = {{1, 1}, {2, 1}, {1, 2}, {2, 2}, {3, 3}, {5, 4}, {4, 5}, {16, 16}, {17, 9}, {33, 18}};
        for (int[] s : sizes) {
            int w = s[0];
            int h = s[1];
            int ys = ((w + 15) >> 4) * 16;
            int uvs = ys / 2;
            int rows = ((h + 15) >> 4) * 16;
            byte[] y = new byte[ys * rows];
            byte[] u = new byte[uvs * rows / 2];
            byte[] v = new byte[uvs * rows / 2];
            rnd.nextBytes(y);
            rnd.nextBytes(u);
            rnd.nextBytes(v);
            byte[] got = YuvToRgb.convert(new Vp8Decoder.Yuv(w, h, y, u, v, ys, uvs));
            int cw = (w + 1) / 2;
            int ch = (h + 1) / 2;
            for (int py = 0; py < h; py++) {
                for (int px = 0; px < w; px++) {
                    int uu = chroma(u, uvs, cw, ch, px, py);
                    int vv = chroma(v, uvs, cw, ch, px, py);
                    int yy = y[py * ys + px] & 0xff;
                    int o = (py * w + px) * 3;
                    String at = w + "x" + h + " pixel (" + px + ", " + py + ")";
                    assertEquals(YuvToRgb.r(yy, vv), got[o] & 0xff, at);
                    assertEquals(YuvToRgb.g(yy, uu, vv), got[o + 1] & 0xff, at);
                    assertEquals(YuvToRgb.b(yy, uu), got[o + 2] & 0xff, at);
                }
            }
        }
    }

    /** The chroma value libwebp gives output pixel (x, y). */
    private static int chroma(byte[] p, int stride, int cw, int ch, int x, int y) {
        // chroma sample k sits between luma 2k-1 and 2k... nearest row/column and the other one of the pair
        int nearRow = y == 0 ? 0 : (y + 1) / 2 - ((y & 1) == 1 ? 1 : 0);
        int otherRow = y == 0 ? 0 : (y & 1) == 1 ? nearRow + 1 : nearRow - 1;
        if (otherRow >= ch) {
            otherRow = nearRow;   // the last row of an even height mirrors
        }
        int nearCol = x == 0 ? 0 : (x + 1) / 2 - ((x & 1) == 1 ? 1 : 0);
        int otherCol = x == 0 ? -1 : (x & 1) == 1 ? nearCol + 1 : nearCol - 1;
        if (otherCol >= cw) {
            otherCol = -1;
        }
        int n = p[nearRow * stride + nearCol] & 0xff;
        int vert = p[otherRow * stride + nearCol] & 0xff;
        if (otherCol < 0) {   // first column, or last of an even width: vertical 3-1 only
            return (3 * n + vert + 2) >> 2;
        }
        int hor = p[nearRow * stride + otherCol] & 0xff;
        int diag = p[otherRow * stride + otherCol] & 0xff;
        return (((n + 3 * hor + 3 * vert + diag + 8) >> 3) + n) >> 1;
    }

    @Test
    void fixedPointConversionIsBt601LimitedRange() {
        int worst = 0;
        for (int y = 0; y < 256; y += 3) {
            for (int u = 0; u < 256; u += 5) {
                for (int v = 0; v < 256; v += 5) {
                    double r = 1.164 * (y - 16) + 1.596 * (v - 128);
                    double g = 1.164 * (y - 16) - 0.391 * (u - 128) - 0.813 * (v - 128);
                    double b = 1.164 * (y - 16) + 2.018 * (u - 128);
                    worst = Math.max(worst, (int) Math.abs(clamp(r) - YuvToRgb.r(y, v)));
                    worst = Math.max(worst, (int) Math.abs(clamp(g) - YuvToRgb.g(y, u, v)));
                    worst = Math.max(worst, (int) Math.abs(clamp(b) - YuvToRgb.b(y, u)));
                }
            }
        }
        assertTrue(worst <= 1, "fixed-point YUV->RGB is " + worst + " levels from BT.601");
    }

    private static long clamp(double v) {
        return Math.max(0, Math.min(255, Math.round(v)));
    }
}
