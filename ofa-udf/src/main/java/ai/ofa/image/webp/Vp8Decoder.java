package ai.ofa.image.webp;

/**
 * Decoder of a VP8 key frame (the payload of a lossy WebP's {@code VP8 } chunk, RFC 6386) into its Y, U and V
 * planes, bit-exact with libwebp 1.2 (the library Pillow links): the same header checks, token and mode parsing,
 * dequantisation, inverse WHT/DCT, intra prediction and simple/normal loop filter, and the same "data ended early"
 * errors. The loop filter runs once the whole frame is reconstructed, in macroblock order: prediction reads unfiltered
 * pixels, so this equals libwebp's row-delayed filtering. Planes are macroblock-aligned; {@link Yuv#width()} x
 * {@link Yuv#height()} is the visible part.
 *
 * <pre>{@code Vp8Decoder.Yuv yuv = Vp8Decoder.decode(bytes, chunkOffset, chunkLength);}</pre>
 */
public final class Vp8Decoder {
    /** Decoded planes: luma {@code yStride} wide, chroma {@code uvStride} wide, both macroblock-aligned. */
    public record Yuv(int width, int height, byte[] y, byte[] u, byte[] v, int yStride, int uvStride) {
    }

    /** The frame size from the first 10 bytes, without decoding; throws where libwebp's VP8GetInfo fails. */
    public static int[] size(byte[] data, int off, int len) {
        if (len < 10) {
            throw new WebPException("VP8 frame header needs 10 bytes, the chunk has " + len);
        }
        int tag = (data[off] & 0xff) | (data[off + 1] & 0xff) << 8 | (data[off + 2] & 0xff) << 16;
        if ((tag & 1) != 0) {
            throw new WebPException("VP8 frame is not a key frame (a still WebP must hold one)");
        }
        if (((tag >> 1) & 7) > 3) {
            throw new WebPException("VP8 frame has an unknown profile " + ((tag >> 1) & 7) + " (allowed 0-3)");
        }
        if (((tag >> 4) & 1) == 0) {
            throw new WebPException("VP8 frame is marked invisible");
        }
        if ((data[off + 3] & 0xff) != 0x9d || (data[off + 4] & 0xff) != 0x01 || (data[off + 5] & 0xff) != 0x2a) {
            throw new WebPException("VP8 frame has a bad start code (want 9d 01 2a)");
        }
        int w = ((data[off + 7] & 0xff) << 8 | (data[off + 6] & 0xff)) & 0x3fff;
        int h = ((data[off + 9] & 0xff) << 8 | (data[off + 8] & 0xff)) & 0x3fff;
        if ((tag >>> 5) >= len) {
            throw new WebPException("VP8 first partition of " + (tag >>> 5) + " bytes does not fit the " + len
                    + "-byte chunk (truncated or corrupt)");
        }
        if (w == 0 || h == 0) {
            throw new WebPException("VP8 frame has an invalid size " + w + "x" + h);
        }
        return new int[]{w, h};
    }

    // libwebp's mode numbering: the 4x4 modes, then the 16x16/chroma DC variants at the frame edges
    private static final int B_DC_PRED = 0;
    private static final int B_TM_PRED = 1;
    private static final int B_VE_PRED = 2;
    private static final int B_HE_PRED = 3;
    private static final int B_RD_PRED = 4;
    private static final int B_VR_PRED = 5;
    private static final int B_LD_PRED = 6;
    private static final int B_VL_PRED = 7;
    private static final int B_HD_PRED = 8;
    private static final int B_HU_PRED = 9;
    private static final int DC_PRED_NOTOP = 4;
    private static final int DC_PRED_NOLEFT = 5;
    private static final int DC_PRED_NOTOPLEFT = 6;

    private static final int[] Y_MODES_INTRA4 = {
        -B_DC_PRED, 1, -B_TM_PRED, 2, -B_VE_PRED, 3, 4, 6, -B_HE_PRED, 5, -B_RD_PRED, -B_VR_PRED, -B_LD_PRED, 7,
        -B_VL_PRED, 8, -B_HD_PRED, -B_HU_PRED};
    private static final int[] BANDS = {0, 1, 2, 3, 6, 4, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 0};
    private static final int[] ZIGZAG = {0, 1, 4, 8, 5, 2, 3, 6, 9, 12, 13, 10, 7, 11, 14, 15};
    private static final int[][] CAT3456 = {
        {173, 148, 140}, {176, 155, 140, 135}, {180, 157, 141, 134, 130},
        {254, 254, 243, 230, 196, 177, 153, 140, 133, 130, 129}};

    /** Work-buffer stride, as libwebp's BPS: a macroblock with its top row and left column of context. */
    private static final int BPS = 32;
    private static final int Y_OFF = BPS + 8;
    private static final int U_OFF = Y_OFF + BPS * 16 + BPS;
    private static final int V_OFF = U_OFF + 16;
    private static final int[] SCAN = new int[16];

    static {
        for (int n = 0; n < 16; n++) {
            SCAN[n] = (n & 3) * 4 + (n >> 2) * 4 * BPS;
        }
    }

    private final int width;
    private final int height;
    private final int mbW;
    private final int mbH;
    private final int[] proba = new int[Vp8Tables.COEFFS_PROBA0.length];
    private final int[] segmentProba = {255, 255, 255};
    private boolean useSegment;
    private boolean updateMap;
    private boolean absoluteDelta = true;
    private final int[] quantizer = new int[4];
    private final int[] filterStrength = new int[4];
    private boolean simple;
    private int level;
    private int sharpness;
    private boolean useLfDelta;
    private final int[] refLfDelta = new int[4];
    private final int[] modeLfDelta = new int[4];
    private int filterType;
    private boolean useSkipProba;
    private int skipP;
    /** Per segment: y1 dc, y1 ac, y2 dc, y2 ac, uv dc, uv ac. */
    private final int[][] dq = new int[4][6];
    /** Per segment and i4x4: limit, ilevel, hev threshold (limit 0 = no filtering). */
    private final int[][][] fStrengths = new int[4][2][3];

    // per-row intra modes (parsed from partition 0 a row ahead of the tokens, as libwebp does)
    private final int[] intraT;
    private final int[] intraL = new int[4];
    private final boolean[] rowIsI4;
    private final int[] rowModes;
    private final int[] rowUvMode;
    private final int[] rowSegment;
    private final boolean[] rowSkip;

    // non-zero contexts: top per macroblock column, left for the current one
    private final int[] topNz;
    private final int[] topNzDc;
    private final int[] leftNz = new int[9];
    private int leftNzDc;

    private final int[] coeffs = new int[384];
    private final int[] yuvB = new int[BPS * 17 + BPS * 9];
    private final int[] topY;
    private final int[] topU;
    private final int[] topV;

    // per-macroblock filter parameters, applied once the whole frame is reconstructed
    private final int[] fLimit;
    private final int[] fIlevel;
    private final int[] fHev;
    private final boolean[] fInner;

    private final byte[] yPlane;
    private final byte[] uPlane;
    private final byte[] vPlane;
    private final int yStride;
    private final int uvStride;

    private Vp8Decoder(int width, int height) {
        this.width = width;
        this.height = height;
        this.mbW = (width + 15) >> 4;
        this.mbH = (height + 15) >> 4;
        intraT = new int[4 * mbW];
        rowIsI4 = new boolean[mbW];
        rowModes = new int[16 * mbW];
        rowUvMode = new int[mbW];
        rowSegment = new int[mbW];
        rowSkip = new boolean[mbW];
        topNz = new int[9 * mbW];
        topNzDc = new int[mbW];
        topY = new int[16 * mbW];
        topU = new int[8 * mbW];
        topV = new int[8 * mbW];
        int mbs = mbW * mbH;
        fLimit = new int[mbs];
        fIlevel = new int[mbs];
        fHev = new int[mbs];
        fInner = new boolean[mbs];
        yStride = 16 * mbW;
        uvStride = 8 * mbW;
        yPlane = new byte[yStride * 16 * mbH];
        uPlane = new byte[uvStride * 8 * mbH];
        vPlane = new byte[uvStride * 8 * mbH];
    }

    /** Decodes the VP8 frame in {@code data[off, off + len)}; a truncated or corrupt frame throws. */
    public static Yuv decode(byte[] data, int off, int len) {
        int[] wh = size(data, off, len);
        Vp8Decoder d = new Vp8Decoder(wh[0], wh[1]);
        d.run(data, off, len);
        return new Yuv(d.width, d.height, d.yPlane, d.uPlane, d.vPlane, d.yStride, d.uvStride);
    }

    private void run(byte[] data, int off, int len) {
        int tag = (data[off] & 0xff) | (data[off + 1] & 0xff) << 8 | (data[off + 2] & 0xff) << 16;
        int partitionLength = tag >>> 5;
        int pos = off + 10;
        int left = len - 10;
        if (partitionLength > left) {
            throw new WebPException("VP8 first partition of " + partitionLength + " bytes exceeds the " + left
                    + " bytes left (truncated)");
        }
        System.arraycopy(Vp8Tables.COEFFS_PROBA0, 0, proba, 0, proba.length);
        BoolDecoder br = new BoolDecoder(data, pos, partitionLength);
        pos += partitionLength;
        left -= partitionLength;
        br.getBit(0x80);   // colour space: only 0 is defined
        br.getBit(0x80);   // clamping type: the decoder always clamps
        parseSegmentHeader(br);
        if (br.eof()) {
            throw new WebPException("VP8 header ends inside the segment header (truncated)");
        }
        parseFilterHeader(br);
        if (br.eof()) {
            throw new WebPException("VP8 header ends inside the filter header (truncated)");
        }
        BoolDecoder[] parts = parsePartitions(br, data, pos, left);
        parseQuant(br);
        br.getBit(0x80);   // refresh entropy probabilities: meaningless for a single frame
        parseProba(br);
        precomputeFilterStrengths();

        for (int i = 0; i < 4 * mbW; i++) {
            intraT[i] = B_DC_PRED;
        }
        for (int mbY = 0; mbY < mbH; mbY++) {
            BoolDecoder tokens = parts[mbY & (parts.length - 1)];
            for (int mbX = 0; mbX < mbW; mbX++) {
                parseIntraMode(br, mbX);
            }
            if (br.eof()) {
                throw new WebPException("VP8 first partition ends at macroblock row " + mbY + " of " + mbH
                        + " (truncated: premature end of partition 0)");
            }
            leftNzDc = 0;
            java.util.Arrays.fill(leftNz, 0);
            java.util.Arrays.fill(intraL, B_DC_PRED);
            initRowContext(mbY);
            for (int mbX = 0; mbX < mbW; mbX++) {
                boolean skip = useSkipProba && rowSkip[mbX];
                boolean allZero;
                if (!skip) {
                    allZero = parseResiduals(tokens, mbX);
                } else {
                    java.util.Arrays.fill(leftNz, 0);
                    java.util.Arrays.fill(topNz, 9 * mbX, 9 * mbX + 9, 0);
                    if (!rowIsI4[mbX]) {
                        leftNzDc = 0;
                        topNzDc[mbX] = 0;
                    }
                    nonZeroY = 0;
                    nonZeroUv = 0;
                    allZero = true;
                }
                if (filterType > 0) {
                    int[] f = fStrengths[rowSegment[mbX]][rowIsI4[mbX] ? 1 : 0];
                    int i = mbY * mbW + mbX;
                    fLimit[i] = f[0];
                    fIlevel[i] = f[1];
                    fHev[i] = f[2];
                    fInner[i] = rowIsI4[mbX] || !allZero;
                }
                if (tokens.eof()) {
                    throw new WebPException("VP8 token partition ends at macroblock (" + mbX + ", " + mbY + ") of "
                            + mbW + "x" + mbH + " (truncated: premature end of file)");
                }
                reconstruct(mbX, mbY);
            }
        }
        if (filterType > 0) {
            for (int mbY = 0; mbY < mbH; mbY++) {
                for (int mbX = 0; mbX < mbW; mbX++) {
                    filterMacroblock(mbX, mbY);
                }
            }
        }
    }

    private void parseSegmentHeader(BoolDecoder br) {
        useSegment = br.getBit(0x80) == 1;
        if (useSegment) {
            updateMap = br.getBit(0x80) == 1;
            if (br.getBit(0x80) == 1) {
                absoluteDelta = br.getBit(0x80) == 1;
                for (int s = 0; s < 4; s++) {
                    quantizer[s] = br.getBit(0x80) == 1 ? br.getSignedValue(7) : 0;
                }
                for (int s = 0; s < 4; s++) {
                    filterStrength[s] = br.getBit(0x80) == 1 ? br.getSignedValue(6) : 0;
                }
            }
            if (updateMap) {
                for (int s = 0; s < 3; s++) {
                    segmentProba[s] = br.getBit(0x80) == 1 ? br.getValue(8) : 255;
                }
            }
        } else {
            updateMap = false;
        }
    }

    private void parseFilterHeader(BoolDecoder br) {
        simple = br.getBit(0x80) == 1;
        level = br.getValue(6);
        sharpness = br.getValue(3);
        useLfDelta = br.getBit(0x80) == 1;
        if (useLfDelta && br.getBit(0x80) == 1) {
            for (int i = 0; i < 4; i++) {
                if (br.getBit(0x80) == 1) {
                    refLfDelta[i] = br.getSignedValue(6);
                }
            }
            for (int i = 0; i < 4; i++) {
                if (br.getBit(0x80) == 1) {
                    modeLfDelta[i] = br.getSignedValue(6);
                }
            }
        }
        filterType = level == 0 ? 0 : simple ? 1 : 2;
    }

    private static BoolDecoder[] parsePartitions(BoolDecoder br, byte[] data, int pos, int size) {
        int last = (1 << br.getValue(2)) - 1;
        if (size < 3 * last) {
            throw new WebPException("VP8 partition table of " + (3 * last) + " bytes does not fit the " + size
                    + " bytes left (truncated)");
        }
        BoolDecoder[] parts = new BoolDecoder[last + 1];
        int sz = pos;
        int start = pos + 3 * last;
        int sizeLeft = size - 3 * last;
        for (int p = 0; p < last; p++) {
            int psize = (data[sz] & 0xff) | (data[sz + 1] & 0xff) << 8 | (data[sz + 2] & 0xff) << 16;
            if (psize > sizeLeft) {
                psize = sizeLeft;
            }
            parts[p] = new BoolDecoder(data, start, psize);
            start += psize;
            sizeLeft -= psize;
            sz += 3;
        }
        if (sizeLeft <= 0) {
            throw new WebPException("VP8 token partitions end before the last one starts (truncated)");
        }
        parts[last] = new BoolDecoder(data, start, sizeLeft);
        return parts;
    }

    private static int clip(int v, int max) {
        return v < 0 ? 0 : Math.min(v, max);
    }

    private void parseQuant(BoolDecoder br) {
        int baseQ0 = br.getValue(7);
        int dqy1Dc = br.getBit(0x80) == 1 ? br.getSignedValue(4) : 0;
        int dqy2Dc = br.getBit(0x80) == 1 ? br.getSignedValue(4) : 0;
        int dqy2Ac = br.getBit(0x80) == 1 ? br.getSignedValue(4) : 0;
        int dquvDc = br.getBit(0x80) == 1 ? br.getSignedValue(4) : 0;
        int dquvAc = br.getBit(0x80) == 1 ? br.getSignedValue(4) : 0;
        for (int i = 0; i < 4; i++) {
            int q;
            if (useSegment) {
                q = quantizer[i] + (absoluteDelta ? 0 : baseQ0);
            } else if (i > 0) {
                dq[i] = dq[0];
                continue;
            } else {
                q = baseQ0;
            }
            int[] m = dq[i];
            m[0] = Vp8Tables.DC_TABLE[clip(q + dqy1Dc, 127)];
            m[1] = Vp8Tables.AC_TABLE[clip(q, 127)];
            m[2] = Vp8Tables.DC_TABLE[clip(q + dqy2Dc, 127)] * 2;
            // x * 155 / 100, as libwebp computes it
            m[3] = Math.max(8, (Vp8Tables.AC_TABLE[clip(q + dqy2Ac, 127)] * 101581) >> 16);
            m[4] = Vp8Tables.DC_TABLE[clip(q + dquvDc, 117)];
            m[5] = Vp8Tables.AC_TABLE[clip(q + dquvAc, 127)];
        }
    }

    private void parseProba(BoolDecoder br) {
        for (int i = 0; i < proba.length; i++) {
            if (br.getBit(Vp8Tables.COEFFS_UPDATE_PROBA[i]) == 1) {
                proba[i] = br.getValue(8);
            }
        }
        useSkipProba = br.getBit(0x80) == 1;
        if (useSkipProba) {
            skipP = br.getValue(8);
        }
    }

    private void precomputeFilterStrengths() {
        if (filterType == 0) {
            return;
        }
        for (int s = 0; s < 4; s++) {
            int baseLevel = useSegment ? filterStrength[s] + (absoluteDelta ? 0 : level) : level;
            for (int i4 = 0; i4 <= 1; i4++) {
                int lv = baseLevel;
                if (useLfDelta) {
                    lv += refLfDelta[0];
                    if (i4 == 1) {
                        lv += modeLfDelta[0];
                    }
                }
                lv = lv < 0 ? 0 : Math.min(lv, 63);
                int[] f = fStrengths[s][i4];
                if (lv > 0) {
                    int ilevel = lv;
                    if (sharpness > 0) {
                        ilevel >>= sharpness > 4 ? 2 : 1;
                        if (ilevel > 9 - sharpness) {
                            ilevel = 9 - sharpness;
                        }
                    }
                    if (ilevel < 1) {
                        ilevel = 1;
                    }
                    f[0] = 2 * lv + ilevel;
                    f[1] = ilevel;
                    f[2] = lv >= 40 ? 2 : lv >= 15 ? 1 : 0;
                } else {
                    f[0] = 0;
                }
            }
        }
    }

    private void parseIntraMode(BoolDecoder br, int mbX) {
        rowSegment[mbX] = !updateMap ? 0 : br.getBit(segmentProba[0]) == 0 ? br.getBit(segmentProba[1])
                : 2 + br.getBit(segmentProba[2]);
        if (useSkipProba) {
            rowSkip[mbX] = br.getBit(skipP) == 1;
        }
        boolean i4 = br.getBit(145) == 0;
        rowIsI4[mbX] = i4;
        int top = 4 * mbX;
        if (!i4) {
            int ymode = br.getBit(156) == 1 ? (br.getBit(128) == 1 ? B_TM_PRED : B_HE_PRED)
                    : (br.getBit(163) == 1 ? B_VE_PRED : B_DC_PRED);
            rowModes[16 * mbX] = ymode;
            for (int i = 0; i < 4; i++) {
                intraT[top + i] = ymode;
                intraL[i] = ymode;
            }
        } else {
            for (int y = 0; y < 4; y++) {
                int ymode = intraL[y];
                for (int x = 0; x < 4; x++) {
                    int p = (intraT[top + x] * 10 + ymode) * 9;
                    int i = Y_MODES_INTRA4[br.getBit(Vp8Tables.BMODES_PROBA[p])];
                    while (i > 0) {
                        i = Y_MODES_INTRA4[2 * i + br.getBit(Vp8Tables.BMODES_PROBA[p + i])];
                    }
                    ymode = -i;
                    intraT[top + x] = ymode;
                    rowModes[16 * mbX + 4 * y + x] = ymode;
                }
                intraL[y] = ymode;
            }
        }
        rowUvMode[mbX] = br.getBit(142) == 0 ? B_DC_PRED : br.getBit(114) == 0 ? B_VE_PRED
                : br.getBit(183) == 1 ? B_TM_PRED : B_HE_PRED;
    }

    private static int probIndex(int type, int n, int ctx) {
        return ((type * 8 + BANDS[n]) * 3 + ctx) * 11;
    }

    private static int largeValue(BoolDecoder br, int[] pr, int p) {
        int v;
        if (br.getBit(pr[p + 3]) == 0) {
            if (br.getBit(pr[p + 4]) == 0) {
                v = 2;
            } else {
                v = 3 + br.getBit(pr[p + 5]);
            }
        } else if (br.getBit(pr[p + 6]) == 0) {
            if (br.getBit(pr[p + 7]) == 0) {
                v = 5 + br.getBit(159);
            } else {
                v = 7 + 2 * br.getBit(165);
                v += br.getBit(145);
            }
        } else {
            int bit1 = br.getBit(pr[p + 8]);
            int bit0 = br.getBit(pr[p + 9 + bit1]);
            int cat = 2 * bit1 + bit0;
            v = 0;
            for (int t : CAT3456[cat]) {
                v += v + br.getBit(t);
            }
            v += 3 + (8 << cat);
        }
        return v;
    }

    /** Reads one block's tokens into {@code out[off..off+16)} (dequantised, de-zigzagged); returns the end index. */
    private int getCoeffs(BoolDecoder br, int type, int ctx, int dcq, int acq, int n, int[] out, int off) {
        int[] pr = proba;
        int p = probIndex(type, n, ctx);
        for (; n < 16; ++n) {
            if (br.getBit(pr[p]) == 0) {
                return n;
            }
            while (br.getBit(pr[p + 1]) == 0) {
                if (++n == 16) {
                    return 16;
                }
                p = probIndex(type, n, 0);
            }
            int v;
            if (br.getBit(pr[p + 2]) == 0) {
                v = 1;
                p = probIndex(type, n + 1, 1);
            } else {
                v = largeValue(br, pr, p);
                p = probIndex(type, n + 1, 2);
            }
            out[off + ZIGZAG[n]] = br.getSigned(v) * (n > 0 ? acq : dcq);
        }
        return 16;
    }

    private int nonZeroY;
    private int nonZeroUv;

    private static int nzCodeBits(int nzCoeffs, int nz, boolean dcNz) {
        return (nzCoeffs << 2) | (nz > 3 ? 3 : nz > 1 ? 2 : dcNz ? 1 : 0);
    }

    /** Parses a macroblock's residuals into {@link #coeffs}; true when every coefficient is zero. */
    private boolean parseResiduals(BoolDecoder br, int mbX) {
        int[] q = dq[rowSegment[mbX]];
        int[] dst = coeffs;
        java.util.Arrays.fill(dst, 0);
        int first;
        int acType;
        if (!rowIsI4[mbX]) {
            int[] dc = new int[16];
            int ctx = topNzDc[mbX] + leftNzDc;
            int nz = getCoeffs(br, 1, ctx, q[2], q[3], 0, dc, 0);
            int flag = nz > 0 ? 1 : 0;
            topNzDc[mbX] = flag;
            leftNzDc = flag;
            if (nz > 1) {
                transformWht(dc, dst);
            } else {
                int dc0 = (dc[0] + 3) >> 3;
                for (int i = 0; i < 256; i += 16) {
                    dst[i] = dc0;
                }
            }
            first = 1;
            acType = 0;
        } else {
            first = 0;
            acType = 3;
        }
        int t = 9 * mbX;
        int nonY = 0;
        int off = 0;
        for (int y = 0; y < 4; y++) {
            int l = leftNz[y];
            int nzCoeffs = 0;
            for (int x = 0; x < 4; x++) {
                int ctx = l + topNz[t + x];
                int nz = getCoeffs(br, acType, ctx, q[0], q[1], first, dst, off);
                l = nz > first ? 1 : 0;
                topNz[t + x] = l;
                nzCoeffs = nzCodeBits(nzCoeffs, nz, dst[off] != 0);
                off += 16;
            }
            leftNz[y] = l;
            nonY = (nonY << 8) | nzCoeffs;
        }
        int nonUv = 0;
        for (int ch = 0; ch < 2; ch++) {
            int nzCoeffs = 0;
            for (int y = 0; y < 2; y++) {
                int l = leftNz[4 + 2 * ch + y];
                for (int x = 0; x < 2; x++) {
                    int ctx = l + topNz[t + 4 + 2 * ch + x];
                    int nz = getCoeffs(br, 2, ctx, q[4], q[5], 0, dst, off);
                    l = nz > 0 ? 1 : 0;
                    topNz[t + 4 + 2 * ch + x] = l;
                    nzCoeffs = nzCodeBits(nzCoeffs, nz, dst[off] != 0);
                    off += 16;
                }
                leftNz[4 + 2 * ch + y] = l;
            }
            nonUv |= nzCoeffs << (8 * ch);
        }
        nonZeroY = nonY;
        nonZeroUv = nonUv;
        return (nonY | nonUv) == 0;
    }

    private void initRowContext(int mbY) {
        int[] b = yuvB;
        for (int j = 0; j < 16; j++) {
            b[Y_OFF + j * BPS - 1] = 129;
        }
        for (int j = 0; j < 8; j++) {
            b[U_OFF + j * BPS - 1] = 129;
            b[V_OFF + j * BPS - 1] = 129;
        }
        if (mbY > 0) {
            b[Y_OFF - 1 - BPS] = 129;
            b[U_OFF - 1 - BPS] = 129;
            b[V_OFF - 1 - BPS] = 129;
        } else {
            java.util.Arrays.fill(b, Y_OFF - BPS - 1, Y_OFF - BPS - 1 + 21, 127);
            java.util.Arrays.fill(b, U_OFF - BPS - 1, U_OFF - BPS - 1 + 9, 127);
            java.util.Arrays.fill(b, V_OFF - BPS - 1, V_OFF - BPS - 1 + 9, 127);
        }
    }

    private void reconstruct(int mbX, int mbY) {
        int[] b = yuvB;
        if (mbX > 0) {
            for (int j = -1; j < 16; j++) {
                System.arraycopy(b, Y_OFF + j * BPS + 12, b, Y_OFF + j * BPS - 4, 4);
            }
            for (int j = -1; j < 8; j++) {
                System.arraycopy(b, U_OFF + j * BPS + 4, b, U_OFF + j * BPS - 4, 4);
                System.arraycopy(b, V_OFF + j * BPS + 4, b, V_OFF + j * BPS - 4, 4);
            }
        }
        if (mbY > 0) {
            System.arraycopy(topY, 16 * mbX, b, Y_OFF - BPS, 16);
            System.arraycopy(topU, 8 * mbX, b, U_OFF - BPS, 8);
            System.arraycopy(topV, 8 * mbX, b, V_OFF - BPS, 8);
        }
        int bits = nonZeroY;
        if (rowIsI4[mbX]) {
            int tr = Y_OFF - BPS + 16;
            if (mbY > 0) {
                if (mbX >= mbW - 1) {
                    java.util.Arrays.fill(b, tr, tr + 4, topY[16 * mbX + 15]);
                } else {
                    System.arraycopy(topY, 16 * mbX + 16, b, tr, 4);
                }
            }
            for (int r = 1; r <= 3; r++) {
                System.arraycopy(b, tr, b, tr + 4 * r * BPS, 4);
            }
            for (int n = 0; n < 16; n++, bits <<= 2) {
                int dst = Y_OFF + SCAN[n];
                Vp8Dsp.predLuma4(rowModes[16 * mbX + n], b, dst);
                doTransform(bits, n * 16, dst);
            }
        } else {
            int mode = checkMode(mbX, mbY, rowModes[16 * mbX]);
            Vp8Dsp.predLuma16(mode, b, Y_OFF);
            if (bits != 0) {
                for (int n = 0; n < 16; n++, bits <<= 2) {
                    doTransform(bits, n * 16, Y_OFF + SCAN[n]);
                }
            }
        }
        int uvMode = checkMode(mbX, mbY, rowUvMode[mbX]);
        Vp8Dsp.predChroma8(uvMode, b, U_OFF);
        Vp8Dsp.predChroma8(uvMode, b, V_OFF);
        doUvTransform(nonZeroUv, 256, U_OFF);
        doUvTransform(nonZeroUv >>> 8, 320, V_OFF);
        if (mbY < mbH - 1) {
            System.arraycopy(b, Y_OFF + 15 * BPS, topY, 16 * mbX, 16);
            System.arraycopy(b, U_OFF + 7 * BPS, topU, 8 * mbX, 8);
            System.arraycopy(b, V_OFF + 7 * BPS, topV, 8 * mbX, 8);
        }
        int yo = mbY * 16 * yStride + mbX * 16;
        for (int j = 0; j < 16; j++) {
            int s = Y_OFF + j * BPS;
            int d = yo + j * yStride;
            for (int i = 0; i < 16; i++) {
                yPlane[d + i] = (byte) b[s + i];
            }
        }
        int uo = mbY * 8 * uvStride + mbX * 8;
        for (int j = 0; j < 8; j++) {
            int su = U_OFF + j * BPS;
            int sv = V_OFF + j * BPS;
            int d = uo + j * uvStride;
            for (int i = 0; i < 8; i++) {
                uPlane[d + i] = (byte) b[su + i];
                vPlane[d + i] = (byte) b[sv + i];
            }
        }
    }

    private static int checkMode(int mbX, int mbY, int mode) {
        if (mode == B_DC_PRED) {
            if (mbX == 0) {
                return mbY == 0 ? DC_PRED_NOTOPLEFT : DC_PRED_NOLEFT;
            }
            return mbY == 0 ? DC_PRED_NOTOP : B_DC_PRED;
        }
        return mode;
    }

    private void doTransform(int bits, int src, int dst) {
        switch (bits >>> 30) {
            case 3 -> Vp8Dsp.transform(coeffs, src, yuvB, dst);
            case 2 -> Vp8Dsp.transformAc3(coeffs, src, yuvB, dst);
            case 1 -> Vp8Dsp.transformDc(coeffs, src, yuvB, dst);
            default -> {
            }
        }
    }

    private void doUvTransform(int bits, int src, int dst) {
        if ((bits & 0xff) != 0) {
            if ((bits & 0xaa) != 0) {
                Vp8Dsp.transform(coeffs, src, yuvB, dst);
                Vp8Dsp.transform(coeffs, src + 16, yuvB, dst + 4);
                Vp8Dsp.transform(coeffs, src + 32, yuvB, dst + 4 * BPS);
                Vp8Dsp.transform(coeffs, src + 48, yuvB, dst + 4 * BPS + 4);
            } else {
                for (int k = 0; k < 4; k++) {
                    if (coeffs[src + 16 * k] != 0) {
                        Vp8Dsp.transformDc(coeffs, src + 16 * k, yuvB, dst + (k & 1) * 4 + (k >> 1) * 4 * BPS);
                    }
                }
            }
        }
    }

    private static void transformWht(int[] in, int[] out) {
        int[] tmp = new int[16];
        for (int i = 0; i < 4; i++) {
            int a0 = in[i] + in[12 + i];
            int a1 = in[4 + i] + in[8 + i];
            int a2 = in[4 + i] - in[8 + i];
            int a3 = in[i] - in[12 + i];
            tmp[i] = a0 + a1;
            tmp[8 + i] = a0 - a1;
            tmp[4 + i] = a3 + a2;
            tmp[12 + i] = a3 - a2;
        }
        int o = 0;
        for (int i = 0; i < 4; i++) {
            int dc = tmp[i * 4] + 3;
            int a0 = dc + tmp[3 + i * 4];
            int a1 = tmp[1 + i * 4] + tmp[2 + i * 4];
            int a2 = tmp[1 + i * 4] - tmp[2 + i * 4];
            int a3 = dc - tmp[3 + i * 4];
            out[o] = (a0 + a1) >> 3;
            out[o + 16] = (a3 + a2) >> 3;
            out[o + 32] = (a0 - a1) >> 3;
            out[o + 48] = (a3 - a2) >> 3;
            o += 64;
        }
    }

    private void filterMacroblock(int mbX, int mbY) {
        int i = mbY * mbW + mbX;
        int limit = fLimit[i];
        if (limit == 0) {
            return;
        }
        int ilevel = fIlevel[i];
        boolean inner = fInner[i];
        int y = mbY * 16 * yStride + mbX * 16;
        if (filterType == 1) {
            if (mbX > 0) {
                Vp8Dsp.simpleHFilter16(yPlane, y, yStride, limit + 4);
            }
            if (inner) {
                Vp8Dsp.simpleHFilter16i(yPlane, y, yStride, limit);
            }
            if (mbY > 0) {
                Vp8Dsp.simpleVFilter16(yPlane, y, yStride, limit + 4);
            }
            if (inner) {
                Vp8Dsp.simpleVFilter16i(yPlane, y, yStride, limit);
            }
        } else {
            int uv = mbY * 8 * uvStride + mbX * 8;
            int hev = fHev[i];
            if (mbX > 0) {
                Vp8Dsp.filterLoop26(yPlane, y, 1, yStride, 16, limit + 4, ilevel, hev);
                Vp8Dsp.filterLoop26(uPlane, uv, 1, uvStride, 8, limit + 4, ilevel, hev);
                Vp8Dsp.filterLoop26(vPlane, uv, 1, uvStride, 8, limit + 4, ilevel, hev);
            }
            if (inner) {
                for (int k = 1; k <= 3; k++) {
                    Vp8Dsp.filterLoop24(yPlane, y + 4 * k, 1, yStride, 16, limit, ilevel, hev);
                }
                Vp8Dsp.filterLoop24(uPlane, uv + 4, 1, uvStride, 8, limit, ilevel, hev);
                Vp8Dsp.filterLoop24(vPlane, uv + 4, 1, uvStride, 8, limit, ilevel, hev);
            }
            if (mbY > 0) {
                Vp8Dsp.filterLoop26(yPlane, y, yStride, 1, 16, limit + 4, ilevel, hev);
                Vp8Dsp.filterLoop26(uPlane, uv, uvStride, 1, 8, limit + 4, ilevel, hev);
                Vp8Dsp.filterLoop26(vPlane, uv, uvStride, 1, 8, limit + 4, ilevel, hev);
            }
            if (inner) {
                for (int k = 1; k <= 3; k++) {
                    Vp8Dsp.filterLoop24(yPlane, y + 4 * k * yStride, yStride, 1, 16, limit, ilevel, hev);
                }
                Vp8Dsp.filterLoop24(uPlane, uv + 4 * uvStride, uvStride, 1, 8, limit, ilevel, hev);
                Vp8Dsp.filterLoop24(vPlane, uv + 4 * uvStride, uvStride, 1, 8, limit, ilevel, hev);
            }
        }
    }
}
