package ai.ofa.generate;

/** One finished sequence: tokens after bos (eos included), each token's log-prob, and the search score. */
public record Hypothesis(int[] tokens, float[] tokenLogprobs, double score) {
    public double sumLogprob() {
        double s = 0;
        for (float f : tokenLogprobs) {
            s += f;
        }
        return s;
    }

    /** Tokens without the final eos, if any. */
    public int[] tokensWithoutEos(int eos) {
        int n = tokens.length > 0 && tokens[tokens.length - 1] == eos ? tokens.length - 1 : tokens.length;
        return java.util.Arrays.copyOf(tokens, n);
    }
}
