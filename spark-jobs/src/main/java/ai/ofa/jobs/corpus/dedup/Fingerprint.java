package ai.ofa.jobs.corpus.dedup;

import ai.ofa.image.ImageDecoder;
import ai.ofa.image.RgbImage;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * An image's identity for deduplication: a content hash for exact copies and a perceptual hash
 * ({@link ImageHash}) for near ones.
 *
 * <p>The content hash is the SHA-256 of the decoded pixels, except for JPEGs under PDQ, which are never decoded
 * in full: for those it is the SHA-256 of the coded picture (quantisation and Huffman tables, frame header and
 * scans; EXIF, ICC profiles and comments left out), which is equal exactly when two files decode to the same
 * pixels by the same coding. A JPEG re-saved losslessly in another container (PNG, BMP) or re-coded by
 * {@code jpegtran} then has another content hash, and is caught by the perceptual rule at distance 0 or nearly so.
 *
 * <pre>{@code Fingerprint f = Fingerprint.of(bytes, ImageHash.PDQ);  // f.contentSha256(), f.hash(), f.quality()}</pre>
 */
public record Fingerprint(String contentSha256, long[] hash, int quality, int width, int height) {
    /** The least side of the reduced-scale luma plane PDQ is computed on (64: PDQ's own working size). */
    public static final int PDQ_MIN_SIDE = 64;
    private static final ImageDecoder DECODER = new ImageDecoder();

    /** The PDQ fingerprint (the default hash). */
    public static Fingerprint of(byte[] encoded) {
        return of(encoded, ImageHash.PDQ);
    }

    public static Fingerprint of(byte[] encoded, ImageHash kind) {
        if (kind == ImageHash.PDQ) {
            Reduced r = reduced(encoded);
            Pdq.Hash h = pdq(r.luma, r.width, r.height, 0, 0, r.width, r.height);
            return new Fingerprint(r.sha, h.words(), h.quality(), r.fullWidth, r.fullHeight);
        }
        RgbImage img = DECODER.decode(encoded);
        return new Fingerprint(pixelSha256(img), new long[]{PerceptualHash.of(img)}, -1, img.width(),
                img.height());
    }

    /**
     * The hashes an evaluation image is indexed under (PDQ): the whole picture, then crops of it that a corpus copy
     * may have been cut to (each fraction of each side taken off centred and from each corner). PDQ, a DCT of the
     * whole frame, moves about 40-60 bits under a 5% crop; against the matching crop of the evaluation image a
     * cropped copy is again within a few bits. The corpus side is hashed once.
     */
    public static List<long[]> evaluationHashes(byte[] encoded, double[] cropFractions) {
        Reduced r = reduced(encoded);
        List<long[]> out = new ArrayList<>();
        out.add(pdq(r.luma, r.width, r.height, 0, 0, r.width, r.height).words());
        for (double f : cropFractions) {
            int cw = Math.max(1, (int) Math.round(r.width * (1 - f)));
            int ch = Math.max(1, (int) Math.round(r.height * (1 - f)));
            int dx = r.width - cw;
            int dy = r.height - ch;
            int[][] at = {{dx / 2, dy / 2}, {0, 0}, {dx, 0}, {0, dy}, {dx, dy}};
            for (int[] a : at) {
                out.add(pdq(r.luma, r.width, r.height, a[0], a[1], cw, ch).words());
            }
        }
        return out;
    }

    private record Reduced(float[] luma, int width, int height, String sha, int fullWidth, int fullHeight) {
    }

    private static Reduced reduced(byte[] encoded) {
        if (ScaledJpeg.isJpeg(encoded)) {
            ScaledJpeg.Plane p = ScaledJpeg.luma(encoded, PDQ_MIN_SIDE);
            if (p != null) {
                return new Reduced(p.luma(), p.width(), p.height(), HexFormat.of().formatHex(p.codedSha256()),
                        p.fullWidth(), p.fullHeight());
            }
        }
        RgbImage img = DECODER.decode(encoded);
        ReducedPlane rp = reducedPlane(img);
        return new Reduced(rp.luma, rp.width, rp.height, pixelSha256(img), img.width(), img.height());
    }

    /** PDQ of a window of the plane, its flat borders (letterbox bars, frames) trimmed first. */
    private static Pdq.Hash pdq(float[] luma, int w, int h, int x0, int y0, int cw, int ch) {
        int[] box = trim(luma, w, x0, y0, cw, ch);
        int bw = box[2] - box[0];
        int bh = box[3] - box[1];
        float[] win = new float[bw * bh];
        for (int y = 0; y < bh; y++) {
            System.arraycopy(luma, (box[1] + y) * w + box[0], win, y * bw, bw);
        }
        return Pdq.ofLuma(win, bw, bh);
    }

    /** A line is a bar when all its values lie within this many grey levels of each other. */
    private static final float FLAT = 3f;

    /**
     * [x0, y0, x1, y1) of the window without letterbox or pillarbox bars: flat outer lines taken off only where
     * both opposite sides have them, about equally many (at least 2 lines of the reduced plane, at most 30% of the
     * side). Natural pictures rarely have matching flat bands on opposite sides; an edit that adds bars does.
     */
    static int[] trim(float[] luma, int w, int x0, int y0, int cw, int ch) {
        int top = 0;
        int bottom = 0;
        while (top < ch * 0.3 && flat(luma, w, x0, x0 + cw, y0 + top, y0 + top + 1)) {
            top++;
        }
        while (bottom < ch * 0.3 && flat(luma, w, x0, x0 + cw, y0 + ch - 1 - bottom, y0 + ch - bottom)) {
            bottom++;
        }
        int t = Math.min(top, bottom) >= 2 && Math.abs(top - bottom) <= 1 + Math.max(top, bottom) / 8 ? top : 0;
        int b = t > 0 ? bottom : 0;
        int left = 0;
        int right = 0;
        while (left < cw * 0.3 && flat(luma, w, x0 + left, x0 + left + 1, y0 + t, y0 + ch - b)) {
            left++;
        }
        while (right < cw * 0.3 && flat(luma, w, x0 + cw - 1 - right, x0 + cw - right, y0 + t, y0 + ch - b)) {
            right++;
        }
        int l = Math.min(left, right) >= 2 && Math.abs(left - right) <= 1 + Math.max(left, right) / 8 ? left : 0;
        int r = l > 0 ? right : 0;
        return new int[]{x0 + l, y0 + t, x0 + cw - r, y0 + ch - b};
    }

    private static boolean flat(float[] luma, int w, int x0, int x1, int y0, int y1) {
        float lo = Float.MAX_VALUE;
        float hi = -Float.MAX_VALUE;
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                float v = luma[y * w + x];
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        return hi - lo <= FLAT;
    }

    /**
     * PDQ of decoded pixels on the plane a JPEG gives at reduced scale: luma averaged over s x s blocks, s the
     * largest of 8, 4, 2, 1 that keeps both sides at least {@link #PDQ_MIN_SIDE} (the block means are what a
     * JPEG's DC terms hold). A PNG copy of a JPEG photo then hashes as the JPEG does, up to its coding loss.
     */
    public static Pdq.Hash pdqReduced(RgbImage img) {
        ReducedPlane p = reducedPlane(img);
        return pdq(p.luma, p.width, p.height, 0, 0, p.width, p.height);
    }

    private record ReducedPlane(float[] luma, int width, int height) {
    }

    private static ReducedPlane reducedPlane(RgbImage img) {
        int w = img.width();
        int h = img.height();
        int s = 1;
        for (int c : new int[]{8, 4, 2}) {
            if ((w + c - 1) / c >= PDQ_MIN_SIDE && (h + c - 1) / c >= PDQ_MIN_SIDE) {
                s = c;
                break;
            }
        }
        int ow = (w + s - 1) / s;
        int oh = (h + s - 1) / s;
        float[] sum = new float[ow * oh];
        int[] count = new int[ow * oh];
        byte[] rgb = img.rgb();
        for (int y = 0; y < h; y++) {
            int row = (y / s) * ow;
            for (int x = 0; x < w; x++) {
                int i = 3 * (y * w + x);
                sum[row + x / s] += 0.299f * (rgb[i] & 0xff) + 0.587f * (rgb[i + 1] & 0xff)
                        + 0.114f * (rgb[i + 2] & 0xff);
                count[row + x / s]++;
            }
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] /= count[i];
        }
        return new ReducedPlane(sum, ow, oh);
    }

    private static String pixelSha256(RgbImage img) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(ByteBuffer.allocate(8).putInt(img.width()).putInt(img.height()).array());
            d.update(img.rgb());
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
