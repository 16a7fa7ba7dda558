package ai.ofa.jobs.corpus.dedup;

import ai.ofa.image.ImageDecoder;
import ai.ofa.image.RgbImage;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

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
        if (kind == ImageHash.PDQ && ScaledJpeg.isJpeg(encoded)) {
            ScaledJpeg.Plane p = ScaledJpeg.luma(encoded, PDQ_MIN_SIDE);
            if (p != null) {
                Pdq.Hash h = Pdq.ofLuma(p.luma(), p.width(), p.height());
                return new Fingerprint(HexFormat.of().formatHex(p.codedSha256()), h.words(), h.quality(),
                        p.fullWidth(), p.fullHeight());
            }
        }
        RgbImage img = DECODER.decode(encoded);
        String sha = pixelSha256(img);
        if (kind == ImageHash.PDQ) {
            Pdq.Hash h = pdqReduced(img);
            return new Fingerprint(sha, h.words(), h.quality(), img.width(), img.height());
        }
        return new Fingerprint(sha, new long[]{PerceptualHash.of(img)}, -1, img.width(), img.height());
    }

    /**
     * PDQ of decoded pixels on the plane a JPEG gives at reduced scale: luma averaged over s x s blocks, s the
     * largest of 8, 4, 2, 1 that keeps both sides at least {@link #PDQ_MIN_SIDE} (the block means are what a
     * JPEG's DC terms hold). A PNG copy of a JPEG photo then hashes as the JPEG does, up to its coding loss.
     */
    public static Pdq.Hash pdqReduced(RgbImage img) {
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
        return Pdq.ofLuma(sum, ow, oh);
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
