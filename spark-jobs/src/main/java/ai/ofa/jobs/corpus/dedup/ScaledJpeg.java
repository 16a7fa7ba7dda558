package ai.ofa.jobs.corpus.dedup;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The luminance (Y) plane of a JPEG at 1/8, 1/4, 1/2 or full scale, decoded from the DCT coefficients without
 * the full-size image: at 1/8 each 8 x 8 block gives its DC term (the block mean), at 1/4 and 1/2 the lowest
 * 4 x 4 or 2 x 2 coefficients go through an inverse DCT of that size (libjpeg's reduced-size outputs, as Pillow's
 * {@code draft} uses). A fingerprint needs a few hundred pixels; the entropy decoding is then the whole cost, and
 * progressive files at 1/8 read only their DC scans.
 *
 * <p>Handles baseline and extended Huffman (SOF0/SOF1) and progressive (SOF2, 1/8 scale only) 8-bit files with
 * one (grey) or three (YCbCr) components, restart markers included. Anything else (CMYK/YCCK, Adobe RGB, 12-bit,
 * arithmetic coding, lossless, progressive at a finer scale) returns null so that the caller decodes it in full.
 * JFIF's Y is ITU-R 601 luma, the weighting PDQ uses for RGB.
 *
 * <pre>{@code
 * ScaledJpeg.Plane p = ScaledJpeg.luma(bytes, 64);   // smallest scale keeping both sides >= 64, or null
 * Pdq.Hash h = Pdq.ofLuma(p.luma(), p.width(), p.height());
 * }</pre>
 */
public final class ScaledJpeg {
    private static final int[] ZIGZAG = {
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14,
        21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53,
        60, 61, 54, 47, 55, 62, 63};
    private static final double[][] IDCT = new double[9][];   // [n] -> n x n table: out x, frequency u

    static {
        for (int n : new int[]{1, 2, 4, 8}) {
            double[] t = new double[n * n];
            for (int x = 0; x < n; x++) {
                for (int u = 0; u < n; u++) {
                    double c = u == 0 ? Math.sqrt(0.5) : 1;
                    t[x * n + u] = c / 2 * Math.cos((2 * x + 1) * u * Math.PI / (2 * n));
                }
            }
            IDCT[n] = t;
        }
    }

    /**
     * A decoded plane: {@code luma} row-major (0..255), its size at the chosen scale, the image's full size, and the
     * SHA-256 of the coded picture (tables, frame and scans; metadata segments such as EXIF, ICC and comments left
     * out): two files with the same one decode to the same pixels.
     */
    public record Plane(float[] luma, int width, int height, int scale, int fullWidth, int fullHeight,
                        byte[] codedSha256) {
    }

    private ScaledJpeg() {
    }

    /** True when the bytes start as a JPEG (SOI marker). */
    public static boolean isJpeg(byte[] b) {
        return b.length > 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8;
    }

    /**
     * The Y plane at the smallest scale whose sides are both at least {@code minSide} (full scale when none is),
     * or null when this decoder does not handle the file (the caller then decodes it in full). Throws
     * {@link IllegalArgumentException} for corrupt data.
     */
    public static Plane luma(byte[] b, int minSide) {
        return new Decoder(b).decode(minSide);
    }

    private static final class Component {
        int id;
        int h;
        int v;
        int tq;
        int td;
        int ta;
        int blocksW;    // blocks per line covering the component (no MCU padding)
        int blocksH;
        int paddedW;    // blocks per line of the MCU grid
        int paddedH;
        int[] dc;       // progressive: per block, the DC coefficient so far
        int pred;
    }

    private static final class Huffman {
        // fast lookup on 9 bits: (length << 8) | symbol, 0 when longer
        final int[] fast = new int[1 << 9];
        final int[] maxCode = new int[18];
        final int[] valPtr = new int[17];
        final int[] minCode = new int[17];
        final byte[] values;

        Huffman(int[] counts, byte[] values) {
            this.values = values;
            int code = 0;
            int k = 0;
            for (int len = 1; len <= 16; len++) {
                valPtr[len] = k;
                minCode[len] = code;
                for (int i = 0; i < counts[len]; i++) {
                    if (len <= 9) {
                        int shift = 9 - len;
                        for (int f = 0; f < 1 << shift; f++) {
                            fast[(code << shift) | f] = len << 8 | (values[k] & 0xff);
                        }
                    }
                    code++;
                    k++;
                }
                maxCode[len] = counts[len] > 0 ? code - 1 : -1;
                code <<= 1;
            }
            maxCode[17] = Integer.MAX_VALUE;
        }
    }

    private static final class Decoder {
        private final byte[] b;
        private int pos;
        private final int[][] quant = new int[4][];
        private final Huffman[] dcTables = new Huffman[4];
        private final Huffman[] acTables = new Huffman[4];
        private Component[] comps;
        private int width;
        private int height;
        private int hmax;
        private int vmax;
        private int mcusX;
        private int mcusY;
        private boolean progressive;
        private int restartInterval;
        private int adobeTransform = -1;
        private boolean unsupported;
        private final MessageDigest sha;
        // bit reader
        private long bits;
        private int bitCount;
        private boolean hitMarker;
        // output
        private int scale;
        private int n;          // output pixels per block side: 8 / scale
        private float[] out;
        private int outW;
        private int outH;
        private int outStride;

        Decoder(byte[] b) {
            this.b = b;
            try {
                sha = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        private int u8(int at) {
            if (at >= b.length) {
                throw new IllegalArgumentException("JPEG data ends inside a segment at byte " + at);
            }
            return b[at] & 0xff;
        }

        private int u16(int at) {
            return u8(at) << 8 | u8(at + 1);
        }

        Plane decode(int minSide) {
            if (!isJpeg(b)) {
                throw new IllegalArgumentException("Not a JPEG (no SOI marker)");
            }
            pos = 2;
            boolean sawEoi = false;
            while (pos < b.length) {
                if (u8(pos) != 0xff) {
                    pos++;   // tolerate stray bytes between segments, as libjpeg does (with a warning)
                    continue;
                }
                int marker = u8(pos + 1);
                if (marker == 0xff) {
                    pos++;
                    continue;
                }
                pos += 2;
                if (marker == 0xd9) {
                    sawEoi = true;
                    break;
                }
                if (marker == 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker == 0x01) {
                    continue;
                }
                int len = u16(pos);
                int end = pos + len;
                if (len < 2 || end > b.length) {
                    throw new IllegalArgumentException("JPEG segment 0x" + Integer.toHexString(marker)
                            + " runs past the end of the data");
                }
                boolean coded = !(marker >= 0xe0 && marker <= 0xef) && marker != 0xfe;
                if (coded) {
                    sha.update(b, pos - 2, len + 2);
                }
                switch (marker) {
                    case 0xc0, 0xc1, 0xc2 -> frame(pos + 2, marker == 0xc2, minSide);
                    case 0xc4 -> huffmanTables(pos + 2, end);
                    case 0xdb -> quantTables(pos + 2, end);
                    case 0xdd -> restartInterval = u16(pos + 2);
                    case 0xee -> {
                        if (len >= 12 && u8(pos + 2) == 'A' && u8(pos + 3) == 'd') {
                            adobeTransform = u8(pos + 13);
                        }
                    }
                    case 0xda -> {
                        if (comps == null) {
                            throw new IllegalArgumentException("JPEG scan before its frame header");
                        }
                        if (unsupported) {
                            return null;
                        }
                        pos = scan(pos + 2);
                        continue;
                    }
                    default -> {
                        if (marker >= 0xc3 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8
                                && marker != 0xcc) {
                            return null;   // lossless, hierarchical or arithmetic: decoded in full elsewhere
                        }
                    }
                }
                pos = end;
            }
            if (out == null) {
                throw new IllegalArgumentException("JPEG without image data");
            }
            if (!sawEoi) {
                // Pillow refuses a JPEG cut short; so does the full decoder this project uses
                throw new IllegalArgumentException("JPEG truncated (no EOI marker)");
            }
            if (progressive) {
                Component y = comps[0];
                for (int by = 0; by < y.blocksH; by++) {
                    for (int bx = 0; bx < y.blocksW; bx++) {
                        out[by * outStride + bx] = y.dc[by * y.paddedW + bx] * quant[y.tq][0] / 8f + 128f;
                    }
                }
            }
            float[] plane = out;
            if (outStride != outW) {
                plane = new float[outW * outH];
                for (int yy = 0; yy < outH; yy++) {
                    System.arraycopy(out, yy * outStride, plane, yy * outW, outW);
                }
            }
            for (int i = 0; i < plane.length; i++) {
                plane[i] = Math.max(0f, Math.min(255f, plane[i]));
            }
            return new Plane(plane, outW, outH, scale, width, height, sha.digest());
        }

        private void frame(int at, boolean prog, int minSide) {
            if (comps != null) {
                throw new IllegalArgumentException("JPEG with two frame headers");
            }
            int precision = u8(at);
            height = u16(at + 1);
            width = u16(at + 3);
            int nc = u8(at + 5);
            if (width == 0 || height == 0) {
                throw new IllegalArgumentException("JPEG frame of " + width + "x" + height);
            }
            if ((long) width * height > ai.ofa.image.ImageDecoder.DEFAULT_MAX_PIXELS) {
                throw new IllegalArgumentException("JPEG of " + width + "x" + height + " exceeds the "
                        + ai.ofa.image.ImageDecoder.DEFAULT_MAX_PIXELS + "-pixel limit");
            }
            progressive = prog;
            comps = new Component[nc];
            for (int i = 0; i < nc; i++) {
                Component c = new Component();
                c.id = u8(at + 6 + 3 * i);
                c.h = u8(at + 7 + 3 * i) >> 4;
                c.v = u8(at + 7 + 3 * i) & 15;
                c.tq = u8(at + 8 + 3 * i) & 3;
                if (c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4) {
                    throw new IllegalArgumentException("JPEG component sampling " + c.h + "x" + c.v);
                }
                comps[i] = c;
                hmax = Math.max(hmax, c.h);
                vmax = Math.max(vmax, c.v);
            }
            boolean rgbOrCmyk = nc == 4 || nc == 2 || (nc == 3 && (adobeTransform == 0
                    || (comps[0].id == 'R' && comps[1].id == 'G' && comps[2].id == 'B')));
            if (precision != 8 || rgbOrCmyk) {
                unsupported = true;
                return;
            }
            mcusX = (width + 8 * hmax - 1) / (8 * hmax);
            mcusY = (height + 8 * vmax - 1) / (8 * vmax);
            for (Component c : comps) {
                c.blocksW = (int) Math.ceil(Math.ceil(width * (double) c.h / hmax) / 8);
                c.blocksH = (int) Math.ceil(Math.ceil(height * (double) c.v / vmax) / 8);
                c.paddedW = mcusX * c.h;
                c.paddedH = mcusY * c.v;
            }
            Component y = comps[0];
            int yw = (int) Math.ceil(width * (double) y.h / hmax);
            int yh = (int) Math.ceil(height * (double) y.v / vmax);
            scale = 1;
            for (int s : new int[]{8, 4, 2}) {
                if ((yw + s - 1) / s >= minSide && (yh + s - 1) / s >= minSide) {
                    scale = s;
                    break;
                }
            }
            if (prog && scale != 8) {
                unsupported = true;   // AC scans needed: the full decoder reads those
                return;
            }
            n = 8 / scale;
            outW = (yw + scale - 1) / scale;
            outH = (yh + scale - 1) / scale;
            outStride = y.paddedW * n;
            out = new float[outStride * y.paddedH * n];
            if (prog) {
                for (Component c : comps) {
                    c.dc = new int[c.paddedW * c.paddedH];
                }
            }
        }

        private void huffmanTables(int at, int end) {
            while (at < end) {
                int tc = u8(at) >> 4;
                int th = u8(at) & 3;
                int[] counts = new int[17];
                int total = 0;
                for (int i = 1; i <= 16; i++) {
                    counts[i] = u8(at + i);
                    total += counts[i];
                }
                if (total > 256 || at + 17 + total > end) {
                    throw new IllegalArgumentException("Bad JPEG Huffman table");
                }
                byte[] values = java.util.Arrays.copyOfRange(b, at + 17, at + 17 + total);
                (tc == 0 ? dcTables : acTables)[th] = new Huffman(counts, values);
                at += 17 + total;
            }
        }

        private void quantTables(int at, int end) {
            while (at < end) {
                int pq = u8(at) >> 4;
                int tq = u8(at) & 3;
                int[] q = new int[64];
                for (int i = 0; i < 64; i++) {
                    q[ZIGZAG[i]] = pq == 0 ? u8(at + 1 + i) : u16(at + 1 + 2 * i);
                }
                quant[tq] = q;
                at += 1 + 64 * (pq == 0 ? 1 : 2);
            }
        }

        /** Decodes one scan starting at its header; returns the position of the marker after its data. */
        private int scan(int at) {
            int ns = u8(at);
            Component[] sc = new Component[ns];
            for (int i = 0; i < ns; i++) {
                int id = u8(at + 1 + 2 * i);
                int t = u8(at + 2 + 2 * i);
                for (Component c : comps) {
                    if (c.id == id) {
                        sc[i] = c;
                    }
                }
                if (sc[i] == null) {
                    throw new IllegalArgumentException("JPEG scan names unknown component " + id);
                }
                sc[i].td = t >> 4;
                sc[i].ta = t & 15;
            }
            int ss = u8(at + 1 + 2 * ns);
            int se = u8(at + 2 + 2 * ns);
            int ah = u8(at + 3 + 2 * ns) >> 4;
            int al = u8(at + 3 + 2 * ns) & 15;
            pos = at + 4 + 2 * ns;
            int dataStart = pos;
            if (progressive && ss > 0) {
                int e = skipEntropyData(pos);   // AC scans: not needed at 1/8
                sha.update(b, dataStart, e - dataStart);
                return e;
            }
            for (Component c : sc) {
                c.pred = 0;
                if (!(progressive && ah > 0) && dcTables[c.td] == null) {
                    throw new IllegalArgumentException("JPEG scan uses undefined DC table " + c.td);
                }
                if (!progressive && acTables[c.ta] == null) {
                    throw new IllegalArgumentException("JPEG scan uses undefined AC table " + c.ta);
                }
            }
            if (!progressive && (ss != 0 || se != 63)) {
                throw new IllegalArgumentException("Sequential JPEG scan with spectral range " + ss + ".." + se);
            }
            resetBits();
            int[] coef = new int[64];
            boolean single = ns == 1;
            int units = single ? sc[0].blocksW * sc[0].blocksH : mcusX * mcusY;
            int unitsPerLine = single ? sc[0].blocksW : mcusX;
            int restartsLeft = restartInterval;
            for (int u = 0; u < units; u++) {
                if (restartInterval > 0 && restartsLeft == 0) {
                    restart();
                    for (Component c : sc) {
                        c.pred = 0;
                    }
                    restartsLeft = restartInterval;
                }
                int ux = u % unitsPerLine;
                int uy = u / unitsPerLine;
                if (single) {
                    block(sc[0], ux, uy, coef, ah, al);
                } else {
                    for (Component c : sc) {
                        for (int by = 0; by < c.v; by++) {
                            for (int bx = 0; bx < c.h; bx++) {
                                block(c, ux * c.h + bx, uy * c.v + by, coef, ah, al);
                            }
                        }
                    }
                }
                restartsLeft--;
            }
            int e = skipEntropyData(pos);
            sha.update(b, dataStart, e - dataStart);
            return e;
        }

        private void block(Component c, int bx, int by, int[] coef, int ah, int al) {
            boolean isY = c == comps[0];
            if (progressive) {   // DC scan
                int i = by * c.paddedW + bx;
                if (ah == 0) {
                    int t = decodeHuffman(dcTables[c.td]);
                    int diff = t == 0 ? 0 : extend(receive(t), t);
                    c.pred += diff;
                    c.dc[i] = c.pred << al;
                } else if (receive(1) != 0) {
                    c.dc[i] |= 1 << al;
                }
                return;
            }
            int t = decodeHuffman(dcTables[c.td]);
            int diff = t == 0 ? 0 : extend(receive(t), t);
            c.pred += diff;
            boolean keepAc = isY && n > 1;
            if (keepAc) {
                java.util.Arrays.fill(coef, 0);
            }
            coef[0] = c.pred;
            Huffman ac = acTables[c.ta];
            for (int k = 1; k < 64; ) {
                int rs = decodeHuffman(ac);
                int r = rs >> 4;
                int s = rs & 15;
                if (s == 0) {
                    if (r != 15) {
                        break;
                    }
                    k += 16;
                    continue;
                }
                k += r;
                if (k > 63) {
                    throw new IllegalArgumentException("JPEG coefficient index past 63");
                }
                int v = receive(s);
                if (keepAc) {
                    coef[ZIGZAG[k]] = extend(v, s);
                }
                k++;
            }
            if (!isY || bx >= c.paddedW || by >= c.paddedH) {
                return;
            }
            int[] q = quant[c.tq];
            if (q == null) {
                throw new IllegalArgumentException("JPEG uses undefined quantisation table " + c.tq);
            }
            if (n == 1) {
                out[by * outStride + bx] = coef[0] * q[0] / 8f + 128f;
                return;
            }
            double[] tab = IDCT[n];
            double[] tmp = new double[n * n];   // rows: frequency v, columns: x
            for (int v = 0; v < n; v++) {
                for (int x = 0; x < n; x++) {
                    double s = 0;
                    for (int uu = 0; uu < n; uu++) {
                        s += tab[x * n + uu] * coef[v * 8 + uu] * q[v * 8 + uu];
                    }
                    tmp[v * n + x] = s;
                }
            }
            int base = by * n * outStride + bx * n;
            for (int yy = 0; yy < n; yy++) {
                for (int x = 0; x < n; x++) {
                    double s = 0;
                    for (int v = 0; v < n; v++) {
                        s += tab[yy * n + v] * tmp[v * n + x];
                    }
                    out[base + yy * outStride + x] = (float) (s + 128);
                }
            }
        }

        private void resetBits() {
            bits = 0;
            bitCount = 0;
            hitMarker = false;
        }

        private void fill() {
            while (bitCount <= 56) {
                int c = 0;
                if (!hitMarker && pos < b.length) {
                    c = b[pos] & 0xff;
                    if (c == 0xff) {
                        int next = pos + 1 < b.length ? b[pos + 1] & 0xff : 0xd9;
                        if (next == 0) {
                            pos += 2;
                        } else {
                            hitMarker = true;   // a marker ends the data: zeros from here on
                            c = 0;
                        }
                    } else {
                        pos++;
                    }
                }
                bits |= (long) c << (56 - bitCount);
                bitCount += 8;
            }
        }

        private int receive(int s) {
            if (bitCount < s) {
                fill();
            }
            int v = (int) (bits >>> (64 - s));
            bits <<= s;
            bitCount -= s;
            return v;
        }

        private static int extend(int v, int t) {
            return v < 1 << (t - 1) ? v - (1 << t) + 1 : v;
        }

        private int decodeHuffman(Huffman h) {
            if (h == null) {
                throw new IllegalArgumentException("JPEG scan uses an undefined Huffman table");
            }
            if (bitCount < 16) {
                fill();
            }
            int f = h.fast[(int) (bits >>> 55)];
            if (f != 0) {
                int len = f >> 8;
                bits <<= len;
                bitCount -= len;
                return f & 0xff;
            }
            int code = (int) (bits >>> 63);
            int len = 1;
            while (code > h.maxCode[len]) {
                len++;
                if (len > 16) {
                    throw new IllegalArgumentException("Bad Huffman code in JPEG data near byte " + pos);
                }
                code = (int) (bits >>> (64 - len));
            }
            bits <<= len;
            bitCount -= len;
            int idx = h.valPtr[len] + code - h.minCode[len];
            if (idx >= h.values.length) {
                throw new IllegalArgumentException("Bad Huffman code in JPEG data near byte " + pos);
            }
            return h.values[idx] & 0xff;
        }

        /** Expects an RSTn marker at the next byte boundary (the bits buffered before it are padding). */
        private void restart() {
            int p = pos;
            while (p + 1 < b.length
                    && !((b[p] & 0xff) == 0xff && (b[p + 1] & 0xff) != 0 && (b[p + 1] & 0xff) != 0xff)) {
                p++;
            }
            if (p + 1 < b.length && (b[p + 1] & 0xff) >= 0xd0 && (b[p + 1] & 0xff) <= 0xd7) {
                pos = p + 2;
            } else {
                pos = p;   // missing restart marker: carry on, as libjpeg does
            }
            resetBits();
        }

        /**
         * The position of the next marker that is not a stuffed byte or a restart marker, from {@code from} (the
         * bit reader never reads past a marker, so the scan's data ends there).
         */
        private int skipEntropyData(int from) {
            int p = from;
            while (p + 1 < b.length) {
                if ((b[p] & 0xff) == 0xff) {
                    int m = b[p + 1] & 0xff;
                    if (m != 0 && m != 0xff && !(m >= 0xd0 && m <= 0xd7)) {
                        return p;
                    }
                }
                p++;
            }
            return b.length;
        }
    }
}
