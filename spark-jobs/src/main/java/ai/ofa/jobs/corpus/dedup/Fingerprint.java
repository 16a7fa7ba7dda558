package ai.ofa.jobs.corpus.dedup;

import ai.ofa.image.ImageDecoder;
import ai.ofa.image.RgbImage;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * An image's identity for deduplication: the SHA-256 of its decoded pixels (the same picture re-saved losslessly,
 * or in another container, has the same one) and its perceptual hash.
 *
 * <pre>{@code Fingerprint f = Fingerprint.of(bytes);  // f.contentSha256(), f.phash()}</pre>
 */
public record Fingerprint(String contentSha256, long phash, int width, int height) {
    private static final ImageDecoder DECODER = new ImageDecoder();

    public static Fingerprint of(byte[] encoded) {
        RgbImage img = DECODER.decode(encoded);
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(ByteBuffer.allocate(8).putInt(img.width()).putInt(img.height()).array());
            d.update(img.rgb());
            return new Fingerprint(HexFormat.of().formatHex(d.digest()), PerceptualHash.of(img), img.width(),
                    img.height());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
