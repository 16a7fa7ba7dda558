package ai.ofa.generate;

/**
 * How image codes are drawn, with fairseq's {@code Sampling} semantics that OFA's image generation uses: logits
 * divided by {@code temperature}; then either top-p ({@code topP > 0}: the smallest set of codes, most likely first,
 * whose probability reaches p; it takes precedence over top-k, as in fairseq) or top-k ({@code topK > 0}: the k most
 * likely codes; 0 keeps all); one code drawn in proportion to its probability. {@code samples} independent
 * sequences are drawn per input; {@code seed} fixes every draw. {@code topK == 1} is greedy decoding (argmax).
 *
 * <pre>{@code SamplingSettings.reference().withSamples(4).withSeed(7)   // top-k 256, temperature 1}</pre>
 */
public record SamplingSettings(int topK, double topP, double temperature, int samples, long seed)
        implements java.io.Serializable {
    /** OFA's text-to-image evaluation: {@code --sampling-topk=256 --temperature=1.0}. */
    public static final int REFERENCE_TOP_K = 256;

    public SamplingSettings {
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0 (0: off), got " + topK);
        }
        if (!(topP >= 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in [0, 1] (0: off), got " + topP);
        }
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a positive number, got " + temperature);
        }
        if (samples < 1) {
            throw new IllegalArgumentException("samples must be >= 1, got " + samples);
        }
    }

    public static SamplingSettings reference() {
        return new SamplingSettings(REFERENCE_TOP_K, 0, 1.0, 1, 0L);
    }

    /** The most likely code at every step; no randomness (for tests and reproducible previews). */
    public static SamplingSettings greedy() {
        return new SamplingSettings(1, 0, 1.0, 1, 0L);
    }

    public boolean isGreedy() {
        return topK == 1 && topP == 0;
    }

    public SamplingSettings withTopK(int k) {
        return new SamplingSettings(k, topP, temperature, samples, seed);
    }

    public SamplingSettings withTopP(double p) {
        return new SamplingSettings(topK, p, temperature, samples, seed);
    }

    public SamplingSettings withTemperature(double t) {
        return new SamplingSettings(topK, topP, t, samples, seed);
    }

    public SamplingSettings withSamples(int n) {
        return new SamplingSettings(topK, topP, temperature, n, seed);
    }

    public SamplingSettings withSeed(long s) {
        return new SamplingSettings(topK, topP, temperature, samples, s);
    }
}
