package ai.ofa.generate;

/**
 * Restricts the next token of a hypothesis: disallowed logits become -inf BEFORE the log-softmax, so the
 * log-probs are normalised over the allowed tokens only (as the reference does for tries and bin ranges).
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

    Constraint NONE = (s, p, l, o, v) -> { };

    /** Only ids in [from, to) (e.g. the location bins), plus eos once {@code eosAfter} tokens are out. */
    static Constraint allowedRange(int from, int to, int eos, int eosAfter) {
        return (sentence, prefix, logits, offset, vocab) -> {
            boolean eosOk = prefix.length >= eosAfter;
            for (int i = 0; i < vocab; i++) {
                if ((i < from || i >= to) && !(eosOk && i == eos)) {
                    logits[offset + i] = Float.NEGATIVE_INFINITY;
                }
            }
        };
    }
}
