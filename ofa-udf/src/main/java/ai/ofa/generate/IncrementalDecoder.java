package ai.ofa.generate;

/**
 * What beam search needs from a model: feed one token per live row, get next-token logits; keep per-row state
 * (the KV cache) in step with the rows the search keeps. A decoder may also offer a search head
 * ({@link #stepTop}): the normalisation and top-k done where the logits live, so unconstrained steps never bring a
 * full vocabulary row into Java.
 */
public interface IncrementalDecoder {
    /** Vocabulary size V of the logits. */
    int vocabSize();

    /** Feeds tokens[r] to row r and returns logits [rows * V] for each row's next position. */
    float[] step(long[] tokens);

    /** Keeps rows {@code order[i]} as the new row i (beam reordering and dropping finished sentences). */
    void reorder(int[] order);

    /** Whether {@link #stepTop} is available. */
    default boolean hasSearchHead() {
        return false;
    }

    /**
     * Feeds tokens like {@link #step} (call one or the other for a step, never both) and returns, per row, the
     * {@code k} best log-probs of the next token (log-softmax over all V) with their ids, plus the log-probs of
     * {@code wanted[r * perRow .. (r + 1) * perRow)}.
     */
    default TopLogprobs stepTop(long[] tokens, int k, int[] wanted, int perRow) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no search head");
    }
}
