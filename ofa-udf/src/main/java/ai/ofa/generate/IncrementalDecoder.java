package ai.ofa.generate;

/**
 * What beam search needs from a model: feed one token per live row, get next-token logits; keep per-row state
 * (the KV cache) in step with the rows the search keeps.
 */
public interface IncrementalDecoder {
    /** Vocabulary size V of the logits. */
    int vocabSize();

    /** Feeds tokens[r] to row r and returns logits [rows * V] for each row's next position. */
    float[] step(long[] tokens);

    /** Keeps rows {@code order[i]} as the new row i (beam reordering and dropping finished sentences). */
    void reorder(int[] order);
}
