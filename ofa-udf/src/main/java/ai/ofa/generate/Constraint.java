package ai.ofa.generate;

import java.util.Arrays;

/**
 * Restricts the next token of a hypothesis: disallowed logits become -inf BEFORE the log-softmax, so the
 * log-probs are normalised over the allowed tokens only (as the reference does for tries and bin ranges).
 * A constraint that can list its allowed ids ({@link #allowedIds}) lets the search read just those log-probs from
 * the decoder's search head instead of whole vocabulary rows.
 */
public interface Constraint {
    /**
     * @param sentence index of the input sentence (constraints may differ per input)
     * @param prefix   tokens generated so far after bos
     * @param logits   the row's logits, modified in place
     * @param offset   where the row starts in {@code logits}
     * @param vocab    V
     */
    void apply(int sentence, int[] prefix, float[] logits, int offset, int vocab);

    /** The ids allowed after {@code prefix}, ascending and distinct; null when this constraint cannot list them. */
    default int[] allowedIds(int sentence, int[] prefix) {
        return null;
    }

    Constraint NONE = (s, p, l, o, v) -> { };

    /** Lists the allowed ids per step, ascending and distinct; {@code apply} masks everything else. */
    interface Listing {
        int[] allowed(int sentence, int[] prefix);
    }

    static Constraint listing(Listing listing) {
        return new Constraint() {
            @Override
            public void apply(int sentence, int[] prefix, float[] logits, int offset, int vocab) {
                int[] allowed = allowedIds(sentence, prefix);
                BeamSearch.checkInVocabulary(allowed, vocab);
                float[] keep = new float[allowed.length];
                for (int i = 0; i < keep.length; i++) {
                    keep[i] = logits[offset + allowed[i]];
                }
                Arrays.fill(logits, offset, offset + vocab, Float.NEGATIVE_INFINITY);
                for (int i = 0; i < keep.length; i++) {
                    logits[offset + allowed[i]] = keep[i];
                }
            }

            @Override
            public int[] allowedIds(int sentence, int[] prefix) {
                int[] ids = listing.allowed(sentence, prefix);
                for (int i = 1; i < ids.length; i++) {
                    if (ids[i] <= ids[i - 1]) {
                        throw new IllegalArgumentException("A listing constraint must give ascending, distinct ids; "
                                + "got " + ids[i - 1] + " before " + ids[i]);
                    }
                }
                return ids;
            }
        };
    }

    /** Only ids in [from, to) (e.g. the location bins), plus eos once {@code eosAfter} tokens are out. */
    static Constraint allowedRange(int from, int to, int eos, int eosAfter) {
        int[] range = new int[to - from];
        for (int i = 0; i < range.length; i++) {
            range[i] = from + i;
        }
        int[] withEos = Arrays.copyOf(range, range.length + 1);
        withEos[range.length] = eos;
        Arrays.sort(withEos);
        boolean eosInside = eos >= from && eos < to;
        return listing((sentence, prefix) -> prefix.length >= eosAfter && !eosInside ? withEos : range);
    }
}
