package ai.ofa.jobs.corpus.dedup;

import ai.ofa.image.ImageDecoder;
import ai.ofa.image.PillowResize;
import ai.ofa.image.RgbImage;

import java.util.Arrays;

/**
 * The 64-bit DCT perceptual hash (pHash): resized to 32 x 32 with Pillow's antialiased bicubic, made grey (ITU-R
 * 601 luma, as Pillow's {@code convert('L')}), a 2-D DCT-II, the 8 x 8 lowest frequencies (the DC term included),
 * one bit per coefficient: above their median or not. Re-encoding, resizing, brightness and colour changes move few
 * bits; different photographs differ in about half of them.
 *
 * <pre>{@code long h = PerceptualHash.of(jpegBytes);  int d = PerceptualHash.distance(h, other);}</pre>
 */
public final class PerceptualHash {
    private static final int SIZE = 32;
    private static final int LOW = 8;
    private static final double[][] COS = new double[LOW][SIZE];
    private static final ImageDecoder DECODER = new ImageDecoder();

    static {
        for (int u = 0; u < LOW; u++) {
            for (int x = 0; x < SIZE; x++) {
                COS[u][x] = Math.cos(Math.PI * (2 * x + 1) * u / (2.0 * SIZE));
            }
        }
    }

    private PerceptualHash() {
    }

    public static long of(byte[] encoded) {
        return of(DECODER.decode(encoded));
    }

    public static long of(RgbImage img) {
        byte[] small = PillowResize.bicubic(img.rgb(), img.width(), img.height(), SIZE, SIZE);
        double[] grey = new double[SIZE * SIZE];
        for (int i = 0; i < grey.length; i++) {
            int r = small[3 * i] & 0xff;
            int g = small[3 * i + 1] & 0xff;
            int b = small[3 * i + 2] & 0xff;
            grey[i] = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;   // Pillow's L, rounded
        }
        // separable DCT-II, only the 8 lowest frequencies in each direction
        double[] rows = new double[SIZE * LOW];
        for (int y = 0; y < SIZE; y++) {
            for (int u = 0; u < LOW; u++) {
                double s = 0;
                for (int x = 0; x < SIZE; x++) {
                    s += grey[y * SIZE + x] * COS[u][x];
                }
                rows[y * LOW + u] = s;
            }
        }
        double[] coeffs = new double[LOW * LOW];
        for (int v = 0; v < LOW; v++) {
            for (int u = 0; u < LOW; u++) {
                double s = 0;
                for (int y = 0; y < SIZE; y++) {
                    s += rows[y * LOW + u] * COS[v][y];
                }
                coeffs[v * LOW + u] = s;
            }
        }
        double[] sorted = coeffs.clone();
        Arrays.sort(sorted);
        double median = (sorted[31] + sorted[32]) / 2;
        long hash = 0;
        for (int i = 0; i < coeffs.length; i++) {
            if (coeffs[i] > median) {
                hash |= 1L << (63 - i);
            }
        }
        return hash;
    }

    public static int distance(long a, long b) {
        return Long.bitCount(a ^ b);
    }
}
