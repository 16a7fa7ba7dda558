package ai.ofa.jobs.corpus.dedup;

import ai.ofa.image.RgbImage;

import java.util.Arrays;

/**
 * PDQ, the 256-bit perceptual hash published by Meta (facebook/ThreatExchange, {@code pdq/}), computed as its
 * reference describes: luminance (0.299 R + 0.587 G + 0.114 B), two passes of a box filter along rows and columns
 * with windows of ceil(side / 128) (Jarosz's tent approximation), sampled down to 64 x 64 at the cell centres, a
 * 16 x 16 DCT-II of that (frequencies 1..16 in each direction: the DC term is left out), one bit per coefficient
 * above the median. Bit k is the reference's bit k: its hex form ({@link #hex}) is the reference's. The quality
 * (0..100) is the reference's gradient sum over the 64 x 64 image: below about 50 the hash describes a flat
 * picture and matches are unreliable.
 *
 * <p>Hashes are {@code long[4]}, most significant word first (bits 255..192 in word 0).
 *
 * <pre>{@code
 * Pdq.Hash h = Pdq.of(rgbImage);          // h.words(), h.quality()
 * int d = Pdq.distance(h.words(), other);  // 0..256; the same picture is within about 31
 * }</pre>
 */
public final class Pdq {
    public static final int BITS = 256;
    /** Below this quality the reference advises not to trust matches (flat or nearly flat pictures). */
    public static final int MIN_QUALITY = 50;
    private static final int SIDE = 64;
    private static final int FREQS = 16;
    private static final double[] DCT = new double[FREQS * SIDE];

    static {
        double scale = Math.sqrt(2.0 / SIDE);
        for (int i = 0; i < FREQS; i++) {
            for (int j = 0; j < SIDE; j++) {
                DCT[i * SIDE + j] = scale * Math.cos(Math.PI / 2 / SIDE * (i + 1) * (2 * j + 1));
            }
        }
    }

    /** A hash and its quality. */
    public record Hash(long[] words, int quality) {
        public String hex() {
            return Pdq.hex(words);
        }
    }

    private Pdq() {
    }

    public static Hash of(RgbImage img) {
        byte[] rgb = img.rgb();
        float[] luma = new float[img.width() * img.height()];
        for (int i = 0; i < luma.length; i++) {
            luma[i] = 0.299f * (rgb[3 * i] & 0xff) + 0.587f * (rgb[3 * i + 1] & 0xff)
                    + 0.114f * (rgb[3 * i + 2] & 0xff);
        }
        return ofLuma(luma, img.width(), img.height());
    }

    /** The hash of a luminance plane (0..255, row-major); {@code luma} is overwritten. */
    public static Hash ofLuma(float[] luma, int width, int height) {
        if (width < 1 || height < 1 || luma.length < width * height) {
            throw new IllegalArgumentException("Luma plane of " + luma.length + " values for " + width + "x" + height);
        }
        float[] tmp = new float[width * height];
        int alongRows = (width + 127) / 128;
        int alongCols = (height + 127) / 128;
        for (int pass = 0; pass < 2; pass++) {
            for (int y = 0; y < height; y++) {
                box(luma, y * width, 1, width, alongRows, tmp);
            }
            for (int x = 0; x < width; x++) {
                box(tmp, x, width, height, alongCols, luma);
            }
        }
        double[] small = new double[SIDE * SIDE];
        for (int i = 0; i < SIDE; i++) {
            int y = (int) ((i + 0.5) * height / SIDE);
            for (int j = 0; j < SIDE; j++) {
                small[i * SIDE + j] = luma[y * width + (int) ((j + 0.5) * width / SIDE)];
            }
        }
        int quality = quality(small);
        // B = D A D^T, D the 16 x 64 DCT rows
        double[] t = new double[FREQS * SIDE];
        for (int i = 0; i < FREQS; i++) {
            for (int k = 0; k < SIDE; k++) {
                double d = DCT[i * SIDE + k];
                for (int j = 0; j < SIDE; j++) {
                    t[i * SIDE + j] += d * small[k * SIDE + j];
                }
            }
        }
        double[] b = new double[FREQS * FREQS];
        for (int i = 0; i < FREQS; i++) {
            for (int j = 0; j < FREQS; j++) {
                double s = 0;
                for (int k = 0; k < SIDE; k++) {
                    s += t[i * SIDE + k] * DCT[j * SIDE + k];
                }
                b[i * FREQS + j] = s;
            }
        }
        double[] sorted = b.clone();
        Arrays.sort(sorted);
        double median = sorted[b.length / 2 - 1];   // the lower median, as the reference's Torben selection
        long[] words = new long[BITS / 64];
        for (int k = 0; k < b.length; k++) {
            if (b[k] > median) {
                words[3 - k / 64] |= 1L << (k % 64);
            }
        }
        return new Hash(words, quality);
    }

    /**
     * One box-filter pass over a line of {@code n} values ({@code stride} apart from {@code off}): each output is the
     * mean of the inputs from {@code window - (window + 2) / 2} before it to {@code (window + 2) / 2 - 1} after it,
     * clipped to the line (the reference's window placement, so even windows lean the same way).
     */
    private static void box(float[] in, int off, int stride, int n, int window, float[] out) {
        int half = (window + 2) / 2;
        int before = window - half;
        int after = half - 1;
        double sum = 0;
        int lo = 0;
        int hi = -1;   // the inputs [lo, hi] are in the sum
        for (int o = 0; o < n; o++) {
            int wantHi = Math.min(n - 1, o + after);
            while (hi < wantHi) {
                hi++;
                sum += in[off + hi * stride];
            }
            int wantLo = Math.max(0, o - before);
            while (lo < wantLo) {
                sum -= in[off + lo * stride];
                lo++;
            }
            out[off + o * stride] = (float) (sum / (hi - lo + 1));
        }
    }

    /** The reference's quality: the sum of |neighbour differences| in % of 255, truncated, over 90, at most 100. */
    private static int quality(double[] a) {
        int sum = 0;
        for (int i = 0; i < SIDE - 1; i++) {
            for (int j = 0; j < SIDE; j++) {
                sum += Math.abs((int) ((a[i * SIDE + j] - a[(i + 1) * SIDE + j]) * 100 / 255));
            }
        }
        for (int i = 0; i < SIDE; i++) {
            for (int j = 0; j < SIDE - 1; j++) {
                sum += Math.abs((int) ((a[i * SIDE + j] - a[i * SIDE + j + 1]) * 100 / 255));
            }
        }
        return Math.min(100, sum / 90);
    }

    public static int distance(long[] a, long[] b) {
        int d = 0;
        for (int i = 0; i < a.length; i++) {
            d += Long.bitCount(a[i] ^ b[i]);
        }
        return d;
    }

    /** The reference's text form: 64 hex digits, bit 255 first. */
    public static String hex(long[] words) {
        StringBuilder s = new StringBuilder(words.length * 16);
        for (long w : words) {
            s.append(String.format("%016x", w));
        }
        return s.toString();
    }

    public static long[] parseHex(String hex) {
        if (hex.length() % 16 != 0) {
            throw new IllegalArgumentException("A hash in hex has a multiple of 16 digits, got " + hex.length());
        }
        long[] w = new long[hex.length() / 16];
        for (int i = 0; i < w.length; i++) {
            w[i] = Long.parseUnsignedLong(hex.substring(16 * i, 16 * i + 16), 16);
        }
        return w;
    }
}
