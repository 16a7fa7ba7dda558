package ai.ofa.jobs.corpus.dedup;

import ai.ofa.image.ImageDecoder;
import ai.ofa.image.PngWriter;
import ai.ofa.image.RgbImage;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a {@link Fingerprint} is made of, each part checked against its definition on the reference's regression
 * photo (testdata/pdq, not written by this project): the content hash (SHA-256 of size and pixels, or of a JPEG's
 * coded picture without its metadata), the scale of the reduced plane, the evaluation crops (each the PDQ of the
 * picture actually cut to that window), and the letterbox trimming rule.
 *
 * <p>Mutations this was written against: a scale picked one step too small or too large, crop windows from the
 * wrong corner, bars trimmed from one side only, and metadata hashed into the content hash.
 */
class FingerprintTest {
    private static RgbImage photo() throws Exception {
        return new ImageDecoder().decode(photoBytes());
    }

    private static byte[] photoBytes() throws Exception {
        return Files.readAllBytes(PdqTest.root().resolve("testdata/pdq/bridge-1-original.jpg"));
    }

    /** The top-left w x h of img (its pixels unchanged). */
    private static RgbImage window(RgbImage img, int x0, int y0, int w, int h) {
        byte[] out = new byte[3 * w * h];
        for (int y = 0; y < h; y++) {
            System.arraycopy(img.rgb(), 3 * ((y0 + y) * img.width() + x0), out, 3 * y * w, 3 * w);
        }
        return new RgbImage(out, w, h);
    }

    /** The block means of luma over s x s blocks: the plane PDQ is defined on here. */
    private static float[] blockMeans(RgbImage img, int s) {
        int ow = (img.width() + s - 1) / s;
        int oh = (img.height() + s - 1) / s;
        double[] sum = new double[ow * oh];
        int[] n = new int[ow * oh];
        byte[] p = img.rgb();
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                int i = 3 * (y * img.width() + x);
                int o = (y / s) * ow + x / s;
                sum[o] += 0.299 * (p[i] & 0xff) + 0.587 * (p[i + 1] & 0xff) + 0.114 * (p[i + 2] & 0xff);
                n[o]++;
            }
        }
        float[] out = new float[sum.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (sum[i] / n[i]);
        }
        return out;
    }

    @Test
    void reducedPlaneUsesTheLargestBlockThatKeepsBothSidesAtSixtyFour() throws Exception {
        RgbImage img = photo();
        // side -> block: 8 while ceil(side / 8) >= 64 (505..512 still give 64), then 4, 2, 1 (127 halves to 64)
        int[][] cases = {{512, 8}, {505, 8}, {504, 4}, {256, 4}, {253, 4}, {252, 2}, {127, 2}, {126, 1}};
        for (int[] c : cases) {
            int side = c[0];
            RgbImage w = window(img, 0, 0, Math.min(img.width(), side + 40), side);
            int s = c[1];
            Pdq.Hash want = Pdq.ofLuma(blockMeans(w, s), (w.width() + s - 1) / s, (w.height() + s - 1) / s);
            Pdq.Hash got = Fingerprint.pdqReduced(w);
            int d = Pdq.distance(want.words(), got.words());
            assertTrue(d <= 2, side + " px high: " + d + " bits from the plane of " + s + " x " + s + " blocks");
            for (int other : new int[]{s * 2, Math.max(1, s / 2)}) {
                if (other != s && other <= 8) {
                    Pdq.Hash wrong = Pdq.ofLuma(blockMeans(w, other), (w.width() + other - 1) / other,
                            (w.height() + other - 1) / other);
                    assertNotEquals(wrong.hex(), got.hex(), side + " px: the plane of " + other + " blocks");
                }
            }
        }
    }

    @Test
    void evaluationCropsAreThePdqOfThePictureCutToEachWindow() throws Exception {
        // 1024 x 768 PNG: a plane of 8 x 8 blocks, 128 x 96; a 12.5% crop keeps 112 x 84 blocks, and every window
        // (centred and at the four corners) starts on a block edge, so it equals the cut picture's own plane
        RgbImage img = window(photo(), 0, 0, 1024, 768);
        byte[] png = PngWriter.encode(img);
        List<long[]> hashes = Fingerprint.evaluationHashes(png, new double[]{0.125});
        assertEquals(6, hashes.size());
        assertArrayEquals(Fingerprint.of(png).hash(), hashes.get(0), "the whole picture first");
        int cw = 896;
        int ch = 672;
        int[][] at = {{64, 48}, {0, 0}, {128, 0}, {0, 96}, {128, 96}};
        for (int i = 0; i < at.length; i++) {
            Pdq.Hash cut = Fingerprint.pdqReduced(window(img, at[i][0], at[i][1], cw, ch));
            assertEquals(cut.hex(), Pdq.hex(hashes.get(i + 1)), "crop " + i + " at " + Arrays.toString(at[i]));
        }
        for (int i = 1; i < hashes.size(); i++) {
            int d = Pdq.distance(hashes.get(0), hashes.get(i));
            assertTrue(d > 4, "crop " + i + " is " + d + " bits from the whole: a crop hashes differently");
        }
        assertEquals(1 + 5 * 2, Fingerprint.evaluationHashes(png, new double[]{0.05, 0.1}).size());
    }

    @Test
    void contentHashIsThePixelsForOtherFormatsAndTheCodedPictureForJpegs() throws Exception {
        RgbImage img = window(photo(), 0, 0, 300, 200);
        byte[] png = PngWriter.encode(img);
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(ByteBuffer.allocate(8).putInt(300).putInt(200).array());
        md.update(img.rgb());
        String pixels = HexFormat.of().formatHex(md.digest());
        for (ImageHash kind : ImageHash.values()) {
            Fingerprint f = Fingerprint.of(png, kind);
            assertEquals(pixels, f.contentSha256(), kind + ": SHA-256 of width, height and RGB");
            assertEquals(300, f.width());
            assertEquals(200, f.height());
            assertEquals(kind.words(), f.hash().length, kind.toString());
        }
        assertEquals(PerceptualHash.of(img), Fingerprint.of(png, ImageHash.PHASH64).hash()[0]);
        assertEquals(-1, Fingerprint.of(png, ImageHash.PHASH64).quality());

        byte[] jpeg = photoBytes();
        Fingerprint f = Fingerprint.of(jpeg);
        RgbImage full = photo();
        assertEquals(full.width(), f.width(), "full-size width, not the plane's");
        assertEquals(full.height(), f.height());
        assertTrue(f.quality() >= Pdq.MIN_QUALITY, "quality " + f.quality());
        // a comment segment after SOI changes the file, not the coded picture
        byte[] comment = "a comment that is metadata".getBytes();
        byte[] withCom = new byte[jpeg.length + 4 + comment.length];
        System.arraycopy(jpeg, 0, withCom, 0, 2);
        withCom[2] = (byte) 0xff;
        withCom[3] = (byte) 0xfe;
        withCom[4] = (byte) ((comment.length + 2) >> 8);
        withCom[5] = (byte) (comment.length + 2);
        System.arraycopy(comment, 0, withCom, 6, comment.length);
        System.arraycopy(jpeg, 2, withCom, 6 + comment.length, jpeg.length - 2);
        assertEquals(f.contentSha256(), Fingerprint.of(withCom).contentSha256(), "COM segment is left out");
        assertArrayEquals(f.hash(), Fingerprint.of(withCom).hash());
        // one changed bit of entropy-coded data is another picture
        byte[] flipped = jpeg.clone();
        flipped[jpeg.length - 200] ^= 0x10;
        assertNotEquals(f.contentSha256(), Fingerprint.of(flipped).contentSha256());
    }

    /** A w x h plane of a textured picture (no flat line anywhere) with bars of the given widths set to 16. */
    private static float[] barred(int w, int h, int top, int bottom, int left, int right) {
        float[] p = new float[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean bar = y < top || y >= h - bottom || x < left || x >= w - right;
                p[y * w + x] = bar ? 16f : 60f + ((x * 37 + y * 91) % 97);
            }
        }
        return p;
    }

    @Test
    void letterboxAndPillarboxBarsAreTrimmedOnlyInMatchingPairs() {
        int w = 100;
        int h = 80;
        assertArrayEquals(new int[]{0, 0, w, h}, Fingerprint.trim(barred(w, h, 0, 0, 0, 0), w, 0, 0, w, h));
        assertArrayEquals(new int[]{0, 10, w, h - 10}, Fingerprint.trim(barred(w, h, 10, 10, 0, 0), w, 0, 0, w, h),
                "letterbox");
        assertArrayEquals(new int[]{0, 10, w, h - 11}, Fingerprint.trim(barred(w, h, 10, 11, 0, 0), w, 0, 0, w, h),
                "bars one line apart");
        assertArrayEquals(new int[]{12, 0, w - 12, h}, Fingerprint.trim(barred(w, h, 0, 0, 12, 12), w, 0, 0, w, h),
                "pillarbox");
        assertArrayEquals(new int[]{6, 5, w - 6, h - 5}, Fingerprint.trim(barred(w, h, 5, 5, 6, 6), w, 0, 0, w, h),
                "a frame: both");
        assertArrayEquals(new int[]{0, 0, w, h}, Fingerprint.trim(barred(w, h, 10, 0, 0, 0), w, 0, 0, w, h),
                "a bar on one side only is part of the picture");
        assertArrayEquals(new int[]{0, 0, w, h}, Fingerprint.trim(barred(w, h, 0, 0, 0, 15), w, 0, 0, w, h));
        assertArrayEquals(new int[]{0, 0, w, h}, Fingerprint.trim(barred(w, h, 1, 1, 1, 1), w, 0, 0, w, h),
                "one line is not a bar");
        assertArrayEquals(new int[]{0, 0, w, h}, Fingerprint.trim(barred(w, h, 4, 12, 0, 0), w, 0, 0, w, h),
                "bars of very different height");
        // bars stop at 30% of the side: a flat picture keeps 40% of it
        float[] flat = new float[w * h];
        Arrays.fill(flat, 100f);
        int[] box = Fingerprint.trim(flat, w, 0, 0, w, h);
        assertEquals(24, box[1], "top: lines 0..23 (24 < 80 * 0.3)");
        assertEquals(h - 24, box[3]);
        assertEquals(30, box[0]);
        assertEquals(w - 30, box[2]);
        // a window inside a bigger plane is trimmed in its own coordinates
        float[] big = barred(200, 160, 0, 0, 0, 0);
        float[] inner = barred(w, h, 10, 10, 0, 0);
        for (int y = 0; y < h; y++) {
            System.arraycopy(inner, y * w, big, (y + 30) * 200 + 50, w);
        }
        assertArrayEquals(new int[]{50, 40, 150, 100}, Fingerprint.trim(big, 200, 50, 30, w, h));
        // values within 3 grey levels make a bar; 4 apart do not
        float[] noisy = barred(w, h, 10, 10, 0, 0);
        noisy[3 * w + 7] = 19f;
        assertArrayEquals(new int[]{0, 10, w, h - 10}, Fingerprint.trim(noisy, w, 0, 0, w, h));
        noisy[3 * w + 7] = 20f;
        assertArrayEquals(new int[]{0, 0, w, h}, Fingerprint.trim(noisy, w, 0, 0, w, h),
                "row 3 is no bar, so the top bar is 3 lines against 10");
    }

    @Test
    void letterboxedCopyHashesAsItsOriginal() throws Exception {
        RgbImage img = window(photo(), 0, 0, 1024, 640);
        byte[] boxed = new byte[3 * 1024 * 768];
        System.arraycopy(img.rgb(), 0, boxed, 3 * 1024 * 64, img.rgb().length);   // black bars of 64 px
        long[] original = Fingerprint.of(PngWriter.encode(img)).hash();
        long[] letterboxed = Fingerprint.of(PngWriter.encode(new RgbImage(boxed, 1024, 768))).hash();
        int d = Pdq.distance(original, letterboxed);
        assertTrue(d <= 8, "letterboxed copy " + d + " bits from its original");
    }

    @Test
    void hashNamesParseAndCarryTheirDefaults() {
        assertEquals(ImageHash.PDQ, ImageHash.parse(" PDQ "));
        assertEquals(ImageHash.PHASH64, ImageHash.parse("phash64"));
        assertEquals(ImageHash.PHASH64, ImageHash.parse("pHash"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageHash.parse("md5"));
        assertTrue(e.getMessage().contains("'md5'") && e.getMessage().contains("pdq or phash64"), e.getMessage());
        assertEquals(4, ImageHash.PDQ.words());
        assertEquals(1, ImageHash.PHASH64.words());
        assertEquals(256, ImageHash.PDQ.bits());
        assertEquals(64, ImageHash.PHASH64.bits());
        assertEquals(CorpusDefaults.PDQ_MAX_DISTANCE, ImageHash.PDQ.defaultLeakDistance());
        assertEquals(CorpusDefaults.DEDUP_PDQ_MAX_DISTANCE, ImageHash.PDQ.defaultDedupDistance());
        assertEquals(CorpusDefaults.PHASH_MAX_DISTANCE, ImageHash.PHASH64.defaultLeakDistance());
        assertEquals(CorpusDefaults.DEDUP_PHASH_MAX_DISTANCE, ImageHash.PHASH64.defaultDedupDistance());
        for (ImageHash h : ImageHash.values()) {
            assertEquals(h, ImageHash.parse(h.configName()));
        }
    }
}
