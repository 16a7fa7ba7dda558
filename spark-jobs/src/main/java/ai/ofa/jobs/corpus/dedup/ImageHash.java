package ai.ofa.jobs.corpus.dedup;

import java.util.Locale;

/**
 * The perceptual hash of the corpus job's image rules ({@code image.hash} in its config), with its width and
 * default thresholds. {@link #PDQ} is the default: on the leakage benchmark's photographs it keeps crops, letterbox
 * and watermark edits within its threshold where the 64-bit hash loses them, and its 256 bits leave unrelated
 * pictures far enough apart for a 20M x 150k join (see {@code CorpusDefaults}).
 *
 * <pre>{@code ImageHash h = ImageHash.parse("pdq");  int words = h.words();}</pre>
 */
public enum ImageHash {
    /** Meta's 256-bit PDQ ({@link Pdq}); JPEGs decoded at reduced DCT scale ({@link ScaledJpeg}). */
    PDQ(256, CorpusDefaults.PDQ_MAX_DISTANCE, CorpusDefaults.DEDUP_PDQ_MAX_DISTANCE),
    /** The 64-bit DCT pHash of 32 x 32 grey ({@link PerceptualHash}); images decoded in full. */
    PHASH64(64, CorpusDefaults.PHASH_MAX_DISTANCE, CorpusDefaults.DEDUP_PHASH_MAX_DISTANCE);

    private final int bits;
    private final int leakDistance;
    private final int dedupDistance;

    ImageHash(int bits, int leakDistance, int dedupDistance) {
        this.bits = bits;
        this.leakDistance = leakDistance;
        this.dedupDistance = dedupDistance;
    }

    public int bits() {
        return bits;
    }

    public int words() {
        return bits / 64;
    }

    public int defaultLeakDistance() {
        return leakDistance;
    }

    public int defaultDedupDistance() {
        return dedupDistance;
    }

    /** {@code pdq} or {@code phash64}, any case. */
    public static ImageHash parse(String s) {
        return switch (s.strip().toLowerCase(Locale.ROOT)) {
            case "pdq" -> PDQ;
            case "phash64", "phash" -> PHASH64;
            default -> throw new IllegalArgumentException("image.hash is '" + s + "', expected pdq or phash64");
        };
    }

    public String configName() {
        return this == PDQ ? "pdq" : "phash64";
    }
}
