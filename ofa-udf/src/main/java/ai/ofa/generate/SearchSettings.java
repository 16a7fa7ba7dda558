package ai.ofa.generate;

/**
 * Decoding settings, fairseq semantics: up to {@code maxLen} tokens then a forced eos; eos blocked before
 * {@code minLen}; n-grams of {@code noRepeatNgram} never repeated (0: off); hypothesis score = sum of log-probs
 * (eos included) divided by length^{@code lengthPenalty} when {@code normalizeScores}. Beam 1 is greedy.
 *
 * <pre>{@code SearchSettings.beam(5).withMaxLen(16).withNoRepeatNgram(3)}</pre>
 */
public record SearchSettings(int beamSize, int maxLen, int minLen, int noRepeatNgram, double lengthPenalty,
                             boolean normalizeScores) implements java.io.Serializable {
    public SearchSettings {
        if (beamSize < 1) {
            throw new IllegalArgumentException("beam size must be >= 1, got " + beamSize);
        }
        if (maxLen < 1) {
            throw new IllegalArgumentException("max length must be >= 1, got " + maxLen);
        }
        if (minLen < 0 || minLen > maxLen) {
            throw new IllegalArgumentException("min length must be in [0, maxLen=" + maxLen + "], got " + minLen);
        }
        if (noRepeatNgram < 0) {
            throw new IllegalArgumentException("no-repeat-ngram size must be >= 0, got " + noRepeatNgram);
        }
    }

    public static SearchSettings beam(int beam) {
        return new SearchSettings(beam, 16, 0, 0, 1.0, true);
    }

    public static SearchSettings greedy() {
        return beam(1);
    }

    public SearchSettings withBeam(int beam) {
        return new SearchSettings(beam, maxLen, minLen, noRepeatNgram, lengthPenalty, normalizeScores);
    }

    public SearchSettings withMaxLen(int n) {
        return new SearchSettings(beamSize, n, Math.min(minLen, n), noRepeatNgram, lengthPenalty, normalizeScores);
    }

    public SearchSettings withMinLen(int n) {
        return new SearchSettings(beamSize, maxLen, n, noRepeatNgram, lengthPenalty, normalizeScores);
    }

    public SearchSettings withNoRepeatNgram(int n) {
        return new SearchSettings(beamSize, maxLen, minLen, n, lengthPenalty, normalizeScores);
    }

    public SearchSettings withLengthPenalty(double p) {
        return new SearchSettings(beamSize, maxLen, minLen, noRepeatNgram, p, normalizeScores);
    }
}
