package ai.ofa.image.webp;

/**
 * The pixel arithmetic of VP8 (RFC 6386 sections 12, 14 and 15) in libwebp's integer form: intra predictors on the
 * 32-wide work buffer, the inverse DCT and its DC-only and three-coefficient shortcuts (equal to the full transform,
 * kept so the rounding is libwebp's by construction), and the simple and normal loop filters on a plane.
 *
 * <pre>{@code Vp8Dsp.predLuma4(mode, buffer, offset); Vp8Dsp.transform(coeffs, 0, buffer, offset);}</pre>
 */
final class Vp8Dsp {
    private static final int BPS = 32;

    private Vp8Dsp() {
    }

    private static int clip8(int v) {
        return (v & ~0xff) == 0 ? v : v < 0 ? 0 : 255;
    }

    // ---- inverse transforms: add the residual to the prediction already in dst ----

    private static int mul1(int a) {
        return ((a * 20091) >> 16) + a;
    }

    private static int mul2(int a) {
        return (a * 35468) >> 16;
    }

    static void transform(int[] in, int src, int[] dst, int d) {
        int[] c = new int[16];
        for (int i = 0; i < 4; i++) {
            int s = src + i;
            int a = in[s] + in[s + 8];
            int b = in[s] - in[s + 8];
            int cc = mul2(in[s + 4]) - mul1(in[s + 12]);
            int dd = mul1(in[s + 4]) + mul2(in[s + 12]);
            c[4 * i] = a + dd;
            c[4 * i + 1] = b + cc;
            c[4 * i + 2] = b - cc;
            c[4 * i + 3] = a - dd;
        }
        for (int i = 0; i < 4; i++) {
            int dc = c[i] + 4;
            int a = dc + c[i + 8];
            int b = dc - c[i + 8];
            int cc = mul2(c[i + 4]) - mul1(c[i + 12]);
            int dd = mul1(c[i + 4]) + mul2(c[i + 12]);
            int o = d + i * BPS;
            dst[o] = clip8(dst[o] + ((a + dd) >> 3));
            dst[o + 1] = clip8(dst[o + 1] + ((b + cc) >> 3));
            dst[o + 2] = clip8(dst[o + 2] + ((b - cc) >> 3));
            dst[o + 3] = clip8(dst[o + 3] + ((a - dd) >> 3));
        }
    }

    static void transformAc3(int[] in, int src, int[] dst, int d) {
        int a = in[src] + 4;
        int c4 = mul2(in[src + 4]);
        int d4 = mul1(in[src + 4]);
        int c1 = mul2(in[src + 1]);
        int d1 = mul1(in[src + 1]);
        store2(dst, d, a + d4, d1, c1);
        store2(dst, d + BPS, a + c4, d1, c1);
        store2(dst, d + 2 * BPS, a - c4, d1, c1);
        store2(dst, d + 3 * BPS, a - d4, d1, c1);
    }

    private static void store2(int[] dst, int o, int dc, int d, int c) {
        dst[o] = clip8(dst[o] + ((dc + d) >> 3));
        dst[o + 1] = clip8(dst[o + 1] + ((dc + c) >> 3));
        dst[o + 2] = clip8(dst[o + 2] + ((dc - c) >> 3));
        dst[o + 3] = clip8(dst[o + 3] + ((dc - d) >> 3));
    }

    static void transformDc(int[] in, int src, int[] dst, int d) {
        int dc = in[src] + 4;
        for (int j = 0; j < 4; j++) {
            for (int i = 0; i < 4; i++) {
                int o = d + i + j * BPS;
                dst[o] = clip8(dst[o] + (dc >> 3));
            }
        }
    }

    // ---- intra prediction ----

    private static void trueMotion(int[] b, int d, int size) {
        int top = d - BPS;
        int tl = b[top - 1];
        for (int y = 0; y < size; y++) {
            int left = b[d + y * BPS - 1];
            for (int x = 0; x < size; x++) {
                b[d + y * BPS + x] = clip8(left + b[top + x] - tl);
            }
        }
    }

    private static void fill(int[] b, int d, int size, int v) {
        for (int j = 0; j < size; j++) {
            java.util.Arrays.fill(b, d + j * BPS, d + j * BPS + size, v);
        }
    }

    static void predLuma16(int mode, int[] b, int d) {
        switch (mode) {
            case 0 -> {
                int dc = 16;
                for (int j = 0; j < 16; j++) {
                    dc += b[d - 1 + j * BPS] + b[d + j - BPS];
                }
                fill(b, d, 16, dc >> 5);
            }
            case 1 -> trueMotion(b, d, 16);
            case 2 -> {
                for (int j = 0; j < 16; j++) {
                    System.arraycopy(b, d - BPS, b, d + j * BPS, 16);
                }
            }
            case 3 -> {
                for (int j = 0; j < 16; j++) {
                    java.util.Arrays.fill(b, d + j * BPS, d + j * BPS + 16, b[d + j * BPS - 1]);
                }
            }
            case 4 -> {   // no top
                int dc = 8;
                for (int j = 0; j < 16; j++) {
                    dc += b[d - 1 + j * BPS];
                }
                fill(b, d, 16, dc >> 4);
            }
            case 5 -> {   // no left
                int dc = 8;
                for (int i = 0; i < 16; i++) {
                    dc += b[d + i - BPS];
                }
                fill(b, d, 16, dc >> 4);
            }
            default -> fill(b, d, 16, 0x80);
        }
    }

    static void predChroma8(int mode, int[] b, int d) {
        switch (mode) {
            case 0 -> {
                int dc = 8;
                for (int i = 0; i < 8; i++) {
                    dc += b[d + i - BPS] + b[d - 1 + i * BPS];
                }
                fill(b, d, 8, dc >> 4);
            }
            case 1 -> trueMotion(b, d, 8);
            case 2 -> {
                for (int j = 0; j < 8; j++) {
                    System.arraycopy(b, d - BPS, b, d + j * BPS, 8);
                }
            }
            case 3 -> {
                for (int j = 0; j < 8; j++) {
                    java.util.Arrays.fill(b, d + j * BPS, d + j * BPS + 8, b[d + j * BPS - 1]);
                }
            }
            case 4 -> {   // no top
                int dc = 4;
                for (int i = 0; i < 8; i++) {
                    dc += b[d - 1 + i * BPS];
                }
                fill(b, d, 8, dc >> 3);
            }
            case 5 -> {   // no left
                int dc = 4;
                for (int i = 0; i < 8; i++) {
                    dc += b[d + i - BPS];
                }
                fill(b, d, 8, dc >> 3);
            }
            default -> fill(b, d, 8, 0x80);
        }
    }

    private static int avg3(int a, int b, int c) {
        return (a + 2 * b + c + 2) >> 2;
    }

    private static int avg2(int a, int b) {
        return (a + b + 1) >> 1;
    }

    private static void set(int[] b, int d, int x, int y, int v) {
        b[d + x + y * BPS] = v;
    }

    static void predLuma4(int mode, int[] b, int d) {
        int t = d - BPS;
        switch (mode) {
            case 0 -> {   // DC
                int dc = 4;
                for (int i = 0; i < 4; i++) {
                    dc += b[t + i] + b[d - 1 + i * BPS];
                }
                fill(b, d, 4, dc >> 3);
            }
            case 1 -> trueMotion(b, d, 4);
            case 2 -> {   // VE
                for (int x = 0; x < 4; x++) {
                    int v = avg3(b[t + x - 1], b[t + x], b[t + x + 1]);
                    for (int y = 0; y < 4; y++) {
                        set(b, d, x, y, v);
                    }
                }
            }
            case 3 -> {   // HE
                int a = b[d - 1 - BPS];
                int bb = b[d - 1];
                int c = b[d - 1 + BPS];
                int dd = b[d - 1 + 2 * BPS];
                int e = b[d - 1 + 3 * BPS];
                int[] v = {avg3(a, bb, c), avg3(bb, c, dd), avg3(c, dd, e), avg3(dd, e, e)};
                for (int y = 0; y < 4; y++) {
                    java.util.Arrays.fill(b, d + y * BPS, d + y * BPS + 4, v[y]);
                }
            }
            case 4 -> {   // RD
                int i = b[d - 1];
                int j = b[d - 1 + BPS];
                int k = b[d - 1 + 2 * BPS];
                int l = b[d - 1 + 3 * BPS];
                int x = b[d - 1 - BPS];
                int a = b[t];
                int bb = b[t + 1];
                int c = b[t + 2];
                int dd = b[t + 3];
                set(b, d, 0, 3, avg3(j, k, l));
                int v = avg3(i, j, k);
                set(b, d, 1, 3, v);
                set(b, d, 0, 2, v);
                v = avg3(x, i, j);
                set(b, d, 2, 3, v);
                set(b, d, 1, 2, v);
                set(b, d, 0, 1, v);
                v = avg3(a, x, i);
                set(b, d, 3, 3, v);
                set(b, d, 2, 2, v);
                set(b, d, 1, 1, v);
                set(b, d, 0, 0, v);
                v = avg3(bb, a, x);
                set(b, d, 3, 2, v);
                set(b, d, 2, 1, v);
                set(b, d, 1, 0, v);
                v = avg3(c, bb, a);
                set(b, d, 3, 1, v);
                set(b, d, 2, 0, v);
                set(b, d, 3, 0, avg3(dd, c, bb));
            }
            case 5 -> {   // VR
                int i = b[d - 1];
                int j = b[d - 1 + BPS];
                int k = b[d - 1 + 2 * BPS];
                int x = b[d - 1 - BPS];
                int a = b[t];
                int bb = b[t + 1];
                int c = b[t + 2];
                int dd = b[t + 3];
                int v = avg2(x, a);
                set(b, d, 0, 0, v);
                set(b, d, 1, 2, v);
                v = avg2(a, bb);
                set(b, d, 1, 0, v);
                set(b, d, 2, 2, v);
                v = avg2(bb, c);
                set(b, d, 2, 0, v);
                set(b, d, 3, 2, v);
                set(b, d, 3, 0, avg2(c, dd));
                set(b, d, 0, 3, avg3(k, j, i));
                set(b, d, 0, 2, avg3(j, i, x));
                v = avg3(i, x, a);
                set(b, d, 0, 1, v);
                set(b, d, 1, 3, v);
                v = avg3(x, a, bb);
                set(b, d, 1, 1, v);
                set(b, d, 2, 3, v);
                v = avg3(a, bb, c);
                set(b, d, 2, 1, v);
                set(b, d, 3, 3, v);
                set(b, d, 3, 1, avg3(bb, c, dd));
            }
            case 6 -> {   // LD
                int a = b[t];
                int bb = b[t + 1];
                int c = b[t + 2];
                int dd = b[t + 3];
                int e = b[t + 4];
                int f = b[t + 5];
                int g = b[t + 6];
                int h = b[t + 7];
                set(b, d, 0, 0, avg3(a, bb, c));
                int v = avg3(bb, c, dd);
                set(b, d, 1, 0, v);
                set(b, d, 0, 1, v);
                v = avg3(c, dd, e);
                set(b, d, 2, 0, v);
                set(b, d, 1, 1, v);
                set(b, d, 0, 2, v);
                v = avg3(dd, e, f);
                set(b, d, 3, 0, v);
                set(b, d, 2, 1, v);
                set(b, d, 1, 2, v);
                set(b, d, 0, 3, v);
                v = avg3(e, f, g);
                set(b, d, 3, 1, v);
                set(b, d, 2, 2, v);
                set(b, d, 1, 3, v);
                v = avg3(f, g, h);
                set(b, d, 3, 2, v);
                set(b, d, 2, 3, v);
                set(b, d, 3, 3, avg3(g, h, h));
            }
            case 7 -> {   // VL
                int a = b[t];
                int bb = b[t + 1];
                int c = b[t + 2];
                int dd = b[t + 3];
                int e = b[t + 4];
                int f = b[t + 5];
                int g = b[t + 6];
                int h = b[t + 7];
                set(b, d, 0, 0, avg2(a, bb));
                int v = avg2(bb, c);
                set(b, d, 1, 0, v);
                set(b, d, 0, 2, v);
                v = avg2(c, dd);
                set(b, d, 2, 0, v);
                set(b, d, 1, 2, v);
                v = avg2(dd, e);
                set(b, d, 3, 0, v);
                set(b, d, 2, 2, v);
                set(b, d, 0, 1, avg3(a, bb, c));
                v = avg3(bb, c, dd);
                set(b, d, 1, 1, v);
                set(b, d, 0, 3, v);
                v = avg3(c, dd, e);
                set(b, d, 2, 1, v);
                set(b, d, 1, 3, v);
                v = avg3(dd, e, f);
                set(b, d, 3, 1, v);
                set(b, d, 2, 3, v);
                set(b, d, 3, 2, avg3(e, f, g));
                set(b, d, 3, 3, avg3(f, g, h));
            }
            case 8 -> {   // HD
                int i = b[d - 1];
                int j = b[d - 1 + BPS];
                int k = b[d - 1 + 2 * BPS];
                int l = b[d - 1 + 3 * BPS];
                int x = b[d - 1 - BPS];
                int a = b[t];
                int bb = b[t + 1];
                int c = b[t + 2];
                int v = avg2(i, x);
                set(b, d, 0, 0, v);
                set(b, d, 2, 1, v);
                v = avg2(j, i);
                set(b, d, 0, 1, v);
                set(b, d, 2, 2, v);
                v = avg2(k, j);
                set(b, d, 0, 2, v);
                set(b, d, 2, 3, v);
                set(b, d, 0, 3, avg2(l, k));
                set(b, d, 3, 0, avg3(a, bb, c));
                set(b, d, 2, 0, avg3(x, a, bb));
                v = avg3(i, x, a);
                set(b, d, 1, 0, v);
                set(b, d, 3, 1, v);
                v = avg3(j, i, x);
                set(b, d, 1, 1, v);
                set(b, d, 3, 2, v);
                v = avg3(k, j, i);
                set(b, d, 1, 2, v);
                set(b, d, 3, 3, v);
                set(b, d, 1, 3, avg3(l, k, j));
            }
            default -> {   // HU
                int i = b[d - 1];
                int j = b[d - 1 + BPS];
                int k = b[d - 1 + 2 * BPS];
                int l = b[d - 1 + 3 * BPS];
                set(b, d, 0, 0, avg2(i, j));
                int v = avg2(j, k);
                set(b, d, 2, 0, v);
                set(b, d, 0, 1, v);
                v = avg2(k, l);
                set(b, d, 2, 1, v);
                set(b, d, 0, 2, v);
                set(b, d, 1, 0, avg3(i, j, k));
                v = avg3(j, k, l);
                set(b, d, 3, 0, v);
                set(b, d, 1, 1, v);
                v = avg3(k, l, l);
                set(b, d, 3, 1, v);
                set(b, d, 1, 2, v);
                set(b, d, 3, 2, l);
                set(b, d, 2, 2, l);
                set(b, d, 0, 3, l);
                set(b, d, 1, 3, l);
                set(b, d, 2, 3, l);
                set(b, d, 3, 3, l);
            }
        }
    }

    // ---- loop filters, on a plane of unsigned bytes ----

    private static int sclip1(int v) {   // [-1020, 1020] -> [-128, 127]
        return v < -128 ? -128 : Math.min(v, 127);
    }

    private static int sclip2(int v) {   // [-112, 112] -> [-16, 15]
        return v < -16 ? -16 : Math.min(v, 15);
    }

    private static int u(byte[] p, int i) {
        return p[i] & 0xff;
    }

    private static void doFilter2(byte[] p, int o, int step) {
        int p1 = u(p, o - 2 * step);
        int p0 = u(p, o - step);
        int q0 = u(p, o);
        int q1 = u(p, o + step);
        int a = 3 * (q0 - p0) + sclip1(p1 - q1);
        int a1 = sclip2((a + 4) >> 3);
        int a2 = sclip2((a + 3) >> 3);
        p[o - step] = (byte) clip8(p0 + a2);
        p[o] = (byte) clip8(q0 - a1);
    }

    private static void doFilter4(byte[] p, int o, int step) {
        int p1 = u(p, o - 2 * step);
        int p0 = u(p, o - step);
        int q0 = u(p, o);
        int q1 = u(p, o + step);
        int a = 3 * (q0 - p0);
        int a1 = sclip2((a + 4) >> 3);
        int a2 = sclip2((a + 3) >> 3);
        int a3 = (a1 + 1) >> 1;
        p[o - 2 * step] = (byte) clip8(p1 + a3);
        p[o - step] = (byte) clip8(p0 + a2);
        p[o] = (byte) clip8(q0 - a1);
        p[o + step] = (byte) clip8(q1 - a3);
    }

    private static void doFilter6(byte[] p, int o, int step) {
        int p2 = u(p, o - 3 * step);
        int p1 = u(p, o - 2 * step);
        int p0 = u(p, o - step);
        int q0 = u(p, o);
        int q1 = u(p, o + step);
        int q2 = u(p, o + 2 * step);
        int a = sclip1(3 * (q0 - p0) + sclip1(p1 - q1));
        int a1 = (27 * a + 63) >> 7;
        int a2 = (18 * a + 63) >> 7;
        int a3 = (9 * a + 63) >> 7;
        p[o - 3 * step] = (byte) clip8(p2 + a3);
        p[o - 2 * step] = (byte) clip8(p1 + a2);
        p[o - step] = (byte) clip8(p0 + a1);
        p[o] = (byte) clip8(q0 - a1);
        p[o + step] = (byte) clip8(q1 - a2);
        p[o + 2 * step] = (byte) clip8(q2 - a3);
    }

    private static boolean hev(byte[] p, int o, int step, int thresh) {
        int p1 = u(p, o - 2 * step);
        int p0 = u(p, o - step);
        int q0 = u(p, o);
        int q1 = u(p, o + step);
        return Math.abs(p1 - p0) > thresh || Math.abs(q1 - q0) > thresh;
    }

    private static boolean needsFilter(byte[] p, int o, int step, int t) {
        int p1 = u(p, o - 2 * step);
        int p0 = u(p, o - step);
        int q0 = u(p, o);
        int q1 = u(p, o + step);
        return 4 * Math.abs(p0 - q0) + Math.abs(p1 - q1) <= t;
    }

    private static boolean needsFilter2(byte[] p, int o, int step, int t, int it) {
        int p3 = u(p, o - 4 * step);
        int p2 = u(p, o - 3 * step);
        int p1 = u(p, o - 2 * step);
        int p0 = u(p, o - step);
        int q0 = u(p, o);
        int q1 = u(p, o + step);
        int q2 = u(p, o + 2 * step);
        int q3 = u(p, o + 3 * step);
        if (4 * Math.abs(p0 - q0) + Math.abs(p1 - q1) > t) {
            return false;
        }
        return Math.abs(p3 - p2) <= it && Math.abs(p2 - p1) <= it && Math.abs(p1 - p0) <= it
                && Math.abs(q3 - q2) <= it && Math.abs(q2 - q1) <= it && Math.abs(q1 - q0) <= it;
    }

    static void simpleVFilter16(byte[] p, int o, int stride, int thresh) {
        int t2 = 2 * thresh + 1;
        for (int i = 0; i < 16; i++) {
            if (needsFilter(p, o + i, stride, t2)) {
                doFilter2(p, o + i, stride);
            }
        }
    }

    static void simpleHFilter16(byte[] p, int o, int stride, int thresh) {
        int t2 = 2 * thresh + 1;
        for (int i = 0; i < 16; i++) {
            if (needsFilter(p, o + i * stride, 1, t2)) {
                doFilter2(p, o + i * stride, 1);
            }
        }
    }

    static void simpleVFilter16i(byte[] p, int o, int stride, int thresh) {
        for (int k = 1; k <= 3; k++) {
            simpleVFilter16(p, o + 4 * k * stride, stride, thresh);
        }
    }

    static void simpleHFilter16i(byte[] p, int o, int stride, int thresh) {
        for (int k = 1; k <= 3; k++) {
            simpleHFilter16(p, o + 4 * k, stride, thresh);
        }
    }

    /** Filters a macroblock edge: {@code hstride} steps across it, {@code vstride} along it. */
    static void filterLoop26(byte[] p, int o, int hstride, int vstride, int size, int thresh, int ithresh,
                             int hevThresh) {
        int t2 = 2 * thresh + 1;
        for (int n = 0; n < size; n++, o += vstride) {
            if (needsFilter2(p, o, hstride, t2, ithresh)) {
                if (hev(p, o, hstride, hevThresh)) {
                    doFilter2(p, o, hstride);
                } else {
                    doFilter6(p, o, hstride);
                }
            }
        }
    }

    /** Filters an inner (sub-block) edge. */
    static void filterLoop24(byte[] p, int o, int hstride, int vstride, int size, int thresh, int ithresh,
                             int hevThresh) {
        int t2 = 2 * thresh + 1;
        for (int n = 0; n < size; n++, o += vstride) {
            if (needsFilter2(p, o, hstride, t2, ithresh)) {
                if (hev(p, o, hstride, hevThresh)) {
                    doFilter2(p, o, hstride);
                } else {
                    doFilter4(p, o, hstride);
                }
            }
        }
    }
}
