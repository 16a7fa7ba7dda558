package ai.ofa.image;

/**
 * An exact port of Pillow's antialiased BICUBIC resampling (Image.resize(size, BICUBIC) on 8-bit RGB): cubic kernel
 * a = -0.5, support widened by the scale factor when downscaling, coefficients normalised then stored as fixed
 * point with 22 fractional bits, rounding and clamping to uint8 after each separable pass (horizontal first, then
 * vertical, through an 8-bit intermediate image). A pass whose size does not change is skipped, as in Pillow.
 *
 * <pre>{@code byte[] out = PillowResize.bicubic(rgb, width, height, 480, 480);   // interleaved RGB in and out}</pre>
 */
public final class PillowResize {
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double SUPPORT = 2.0;

    private PillowResize() {
    }

    /** Resizes interleaved RGB bytes (row-major, 3 bytes a pixel) from w x h to outW x outH. */
    public static byte[] bicubic(byte[] rgb, int w, int h, int outW, int outH) {
        if (w <= 0 || h <= 0 || outW <= 0 || outH <= 0) {
            throw new IllegalArgumentException("Sizes must be positive: " + w + "x" + h + " -> " + outW + "x" + outH);
        }
        if ((long) w * h * 3 != rgb.length) {
            throw new IllegalArgumentException("Expected " + (long) w * h * 3 + " RGB bytes for " + w + "x" + h
                    + ", got " + rgb.length);
        }
        byte[] img = rgb;
        int curW = w;
        if (outW != w) {
            img = horizontal(img, w, h, outW);
            curW = outW;
        }
        if (outH != h) {
            img = vertical(img, curW, h, outH);
        }
        return img == rgb ? rgb.clone() : img;
    }

    /** Per output index: first input index, count, and fixed-point weights (Pillow's precompute_coeffs). */
    static final class Coefficients {
        final int[] bounds;   // [2 * out]: xmin, xcount
        final int[] weights;  // [out * ksize]
        final int ksize;

        Coefficients(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = SUPPORT * filterScale;
            ksize = (int) Math.ceil(support) * 2 + 1;
            bounds = new int[outSize * 2];
            weights = new int[outSize * ksize];
            double[] k = new double[ksize];
            for (int xx = 0; xx < outSize; xx++) {
                double center = (xx + 0.5) * scale;
                double ww = 0.0;
                double ss = 1.0 / filterScale;
                int xmin = (int) (center - support + 0.5);
                if (xmin < 0) {
                    xmin = 0;
                }
                int xmax = (int) (center + support + 0.5);
                if (xmax > inSize) {
                    xmax = inSize;
                }
                xmax -= xmin;
                for (int x = 0; x < xmax; x++) {
                    double wv = cubic((x + xmin - center + 0.5) * ss);
                    k[x] = wv;
                    ww += wv;
                }
                for (int x = 0; x < xmax; x++) {
                    if (ww != 0.0) {
                        k[x] /= ww;
                    }
                }
                for (int x = 0; x < ksize; x++) {
                    double v = x < xmax ? k[x] : 0.0;
                    weights[xx * ksize + x] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS))
                            : (int) (0.5 + v * (1 << PRECISION_BITS));
                }
                bounds[xx * 2] = xmin;
                bounds[xx * 2 + 1] = xmax;
            }
        }
    }

    static double cubic(double x) {
        final double a = -0.5;
        x = Math.abs(x);
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    private static int clip8(int ss) {
        int v = ss >> PRECISION_BITS;
        return v < 0 ? 0 : Math.min(v, 255);
    }

    private static byte[] horizontal(byte[] in, int w, int h, int outW) {
        Coefficients c = new Coefficients(w, outW);
        byte[] out = new byte[outW * h * 3];
        for (int y = 0; y < h; y++) {
            int rowIn = y * w * 3;
            int rowOut = y * outW * 3;
            for (int xx = 0; xx < outW; xx++) {
                int xmin = c.bounds[xx * 2];
                int xcount = c.bounds[xx * 2 + 1];
                int kOff = xx * c.ksize;
                int s0 = 1 << (PRECISION_BITS - 1);
                int s1 = s0;
                int s2 = s0;
                for (int x = 0; x < xcount; x++) {
                    int p = rowIn + (xmin + x) * 3;
                    int k = c.weights[kOff + x];
                    s0 += (in[p] & 0xff) * k;
                    s1 += (in[p + 1] & 0xff) * k;
                    s2 += (in[p + 2] & 0xff) * k;
                }
                out[rowOut + xx * 3] = (byte) clip8(s0);
                out[rowOut + xx * 3 + 1] = (byte) clip8(s1);
                out[rowOut + xx * 3 + 2] = (byte) clip8(s2);
            }
        }
        return out;
    }

    private static byte[] vertical(byte[] in, int w, int h, int outH) {
        Coefficients c = new Coefficients(h, outH);
        byte[] out = new byte[w * outH * 3];
        int stride = w * 3;
        for (int yy = 0; yy < outH; yy++) {
            int ymin = c.bounds[yy * 2];
            int ycount = c.bounds[yy * 2 + 1];
            int kOff = yy * c.ksize;
            int rowOut = yy * stride;
            for (int i = 0; i < stride; i++) {
                int ss = 1 << (PRECISION_BITS - 1);
                for (int y = 0; y < ycount; y++) {
                    ss += (in[(ymin + y) * stride + i] & 0xff) * c.weights[kOff + y];
                }
                out[rowOut + i] = (byte) clip8(ss);
            }
        }
        return out;
    }
}
