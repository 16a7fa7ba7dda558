package ai.ofa.jobs.corpus.dedup;

/** Defaults of the corpus job's deduplication and leakage rules (each can be overridden in its config). */
public final class CorpusDefaults {
    /**
     * Perceptual-hash distance (bits of 64) within which two images are the same picture. On the test photographs,
     * re-encoded, resized, brightened and grey copies move at most 4 bits, a 5% crop up to 10; different photographs
     * are 22 bits apart or more (PerceptualHashPhotoTest prints the table). 12 leaves a margin on both sides.
     */
    public static final int PHASH_MAX_DISTANCE = 12;
    /** Text leakage: a shared run of this many tokens with an evaluation text (GPT-3's and OFA's convention). */
    public static final int LEAKAGE_NGRAM = 13;

    private CorpusDefaults() {
    }
}
