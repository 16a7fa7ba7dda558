package ai.ofa.image.webp;

/**
 * libwebp's conversion of decoded 4:2:0 planes to RGB, which Pillow gets: "fancy" chroma upsampling (each output
 * pixel's U and V are the 9-3-3-1 weighted mean of the four nearest chroma samples, computed as libwebp's
 * UpsampleRgbLinePair does, with the first and last rows and columns taking the mirrored 3-1 form), then the 14-bit
 * fixed-point BT.601 limited-range conversion of libwebp's {@code yuv.h}.
 *
 * <pre>{@code byte[] rgb = YuvToRgb.convert(Vp8Decoder.decode(bytes, off, len));}</pre>
 */
public final class YuvToRgb {
    private YuvToRgb() {
    }

    private static int multHi(int v, int coeff) {
        return (v * coeff) >> 8;
    }

    private static int clip8(int v) {
        return (v & ~16383) == 0 ? v >> 6 : v < 0 ? 0 : 255;
    }

    static int r(int y, int v) {
        return clip8(multHi(y, 19077) + multHi(v, 26149) - 14234);
    }

    static int g(int y, int u, int v) {
        return clip8(multHi(y, 19077) - multHi(u, 6419) - multHi(v, 13320) + 8708);
    }

    static int b(int y, int u) {
        return clip8(multHi(y, 19077) + multHi(u, 33050) - 17685);
    }

    /** Interleaved RGB of the visible {@code width x height} area. */
    public static byte[] convert(Vp8Decoder.Yuv yuv) {
        int w = yuv.width();
        int h = yuv.height();
        byte[] out = new byte[w * h * 3];
        int ys = yuv.yStride();
        int uvs = yuv.uvStride();
        // row 0 alone (chroma row 0 mirrored), then pairs (2k-1, 2k) between chroma rows k-1 and k, then the last
        // row of an even height alone
        linePairAt(yuv, 0, -1, 0, 0, out, 0, -1, w);
        for (int y = 1; y + 1 < h; y += 2) {
            int cu = (y + 1) >> 1;
            linePairAt(yuv, y * ys, (y + 1) * ys, (cu - 1) * uvs, cu * uvs, out, y * w * 3, (y + 1) * w * 3, w);
        }
        if ((h & 1) == 0 && h > 1) {
            int cu = (h - 1) >> 1;
            linePairAt(yuv, (h - 1) * ys, -1, cu * uvs, cu * uvs, out, (h - 1) * w * 3, -1, w);
        }
        return out;
    }

    /**
     * One call of libwebp's upsampler: output row at {@code topDst} from luma row {@code topY} with chroma rows
     * {@code topUv} (weight 3) and {@code curUv} (weight 1); and, when {@code botY >= 0}, the row at {@code botDst}
     * from luma row {@code botY} with the weights swapped.
     */
    static void linePairAt(Vp8Decoder.Yuv yuv, int topY, int botY, int topUv, int curUv, byte[] out, int topDst,
                           int botDst, int len) {
        byte[] yp = yuv.y();
        byte[] up = yuv.u();
        byte[] vp = yuv.v();
        int lastPair = (len - 1) >> 1;
        int tlU = up[topUv] & 0xff;
        int tlV = vp[topUv] & 0xff;
        int lU = up[curUv] & 0xff;
        int lV = vp[curUv] & 0xff;
        put(out, topDst, yp[topY] & 0xff, (3 * tlU + lU + 2) >> 2, (3 * tlV + lV + 2) >> 2);
        if (botY >= 0) {
            put(out, botDst, yp[botY] & 0xff, (3 * lU + tlU + 2) >> 2, (3 * lV + tlV + 2) >> 2);
        }
        for (int x = 1; x <= lastPair; x++) {
            int tU = up[topUv + x] & 0xff;
            int tV = vp[topUv + x] & 0xff;
            int cU = up[curUv + x] & 0xff;
            int cV = vp[curUv + x] & 0xff;
            int avgU = tlU + tU + lU + cU + 8;
            int avgV = tlV + tV + lV + cV + 8;
            int d12U = (avgU + 2 * (tU + lU)) >> 3;
            int d12V = (avgV + 2 * (tV + lV)) >> 3;
            int d03U = (avgU + 2 * (tlU + cU)) >> 3;
            int d03V = (avgV + 2 * (tlV + cV)) >> 3;
            put(out, topDst + (2 * x - 1) * 3, yp[topY + 2 * x - 1] & 0xff, (d12U + tlU) >> 1, (d12V + tlV) >> 1);
            put(out, topDst + 2 * x * 3, yp[topY + 2 * x] & 0xff, (d03U + tU) >> 1, (d03V + tV) >> 1);
            if (botY >= 0) {
                put(out, botDst + (2 * x - 1) * 3, yp[botY + 2 * x - 1] & 0xff, (d03U + lU) >> 1, (d03V + lV) >> 1);
                put(out, botDst + 2 * x * 3, yp[botY + 2 * x] & 0xff, (d12U + cU) >> 1, (d12V + cV) >> 1);
            }
            tlU = tU;
            tlV = tV;
            lU = cU;
            lV = cV;
        }
        if ((len & 1) == 0) {
            put(out, topDst + (len - 1) * 3, yp[topY + len - 1] & 0xff, (3 * tlU + lU + 2) >> 2,
                    (3 * tlV + lV + 2) >> 2);
            if (botY >= 0) {
                put(out, botDst + (len - 1) * 3, yp[botY + len - 1] & 0xff, (3 * lU + tlU + 2) >> 2,
                        (3 * lV + tlV + 2) >> 2);
            }
        }
    }

    private static void put(byte[] out, int o, int y, int u, int v) {
        out[o] = (byte) r(y, v);
        out[o + 1] = (byte) g(y, u, v);
        out[o + 2] = (byte) b(y, u);
    }
}
