package ai.ofa.generate;

/**
 * The k best next-token log-probs of each row, best first (ties: lower id first), and the log-probs of a few
 * requested ids per row. Flat row-major arrays: row r's j-th best is {@code logprobs[r * k + j]}.
 */
public record TopLogprobs(int k, float[] logprobs, int[] ids, int perRow, float[] wanted) {
    public TopLogprobs {
        if (logprobs.length != ids.length || k <= 0 || logprobs.length % k != 0
                || (perRow > 0 && wanted.length != logprobs.length / k * perRow)) {
            throw new IllegalArgumentException("Inconsistent top-k result: k " + k + ", " + logprobs.length
                    + " log-probs, " + ids.length + " ids, " + wanted.length + " wanted for " + perRow + " per row");
        }
    }

    public int rows() {
        return logprobs.length / k;
    }
}
