package ai.ofa.jobs.corpus.dedup;

/** Defaults of the corpus job's deduplication and leakage rules (each can be overridden in its config). */
public final class CorpusDefaults {
    /**
     * Perceptual-hash distance (bits of 64) within which two images are the same picture. On the test photographs,
     * re-encoded, resized, brightened and grey copies move at most 4 bits, a 5% crop up to 10; different photographs
     * are 22 bits apart or more (PerceptualHashPhotoTest prints the table). 12 leaves a margin on both sides.
     */
    public static final int PHASH_MAX_DISTANCE = 12;
    /**
     * Within the corpus a tighter threshold: merging two training images is a loss, missing a leak is not (an
     * evaluation set is small, a corpus is not). Among N unrelated 64-bit hashes about N^2/2 * V(64,k) / 2^64 pairs
     * fall within k by chance (V: the Hamming ball): at 20M images and k = 12 that is about 36M false links, which
     * would chain unrelated pictures into one group; at k = 4, about 7. 4 still joins re-encoded, resized, brightened
     * and grey copies; crops are left apart.
     */
    public static final int DEDUP_PHASH_MAX_DISTANCE = 4;
    /**
     * PDQ distance (bits of 256) within which a corpus image is an evaluation image, for leakage. Chosen on the
     * leakage benchmark's photographs (PhotoLeakageBench, LeakageBenchmarkTest): the reference's suggested 31 keeps
     * only 89% of the edited copies (2% crops and watermarks move 20-40 bits); 64 keeps 98% at precision 1.0,
     * while unrelated photographs lie at 128 +- 8 bits (none closer than 100), which puts the expected chance
     * matches of 20M corpus x 150k evaluation images, each indexed under its 21 hashes, at about 0.4 (normal fit).
     */
    public static final int PDQ_MAX_DISTANCE = 64;
    /**
     * The crops an evaluation image is also indexed under (fraction of each side taken off, centred and from each
     * corner): PDQ is a DCT of the whole frame, so a 5% crop alone moves 40-80 bits.
     */
    public static final double[] PDQ_EVAL_CROPS = {0.015, 0.035, 0.055, 0.075};
    /**
     * PDQ distance for deduplication within the corpus: tighter, as for pHash (a false link chains pictures into
     * one group; missing a near copy costs little).
     */
    public static final int DEDUP_PDQ_MAX_DISTANCE = 16;
    /** Text leakage: a shared run of this many tokens with an evaluation text (GPT-3's and OFA's convention). */
    public static final int LEAKAGE_NGRAM = 13;

    private CorpusDefaults() {
    }
}
