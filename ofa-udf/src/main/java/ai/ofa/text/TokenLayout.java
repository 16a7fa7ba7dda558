package ai.ofa.text;

/**
 * Where OFA's image-code and location-bin tokens sit after the BPE vocabulary (taken from the package manifest).
 *
 * <pre>{@code new TokenLayout(59457, 50265, 8192, 58457, 1000)}</pre>
 */
public record TokenLayout(int vocabSize, int codeFirstId, int numCodes, int binFirstId, int numBins) {
    public static TokenLayout textOnly(int size) {
        return new TokenLayout(size, size, 0, size, 0);
    }

    /** {@code <bin_i>} / {@code <code_i>} for ids in those ranges, else null. */
    public String specialName(int id) {
        if (id >= binFirstId && id < binFirstId + numBins) {
            return "<bin_" + (id - binFirstId) + ">";
        }
        if (id >= codeFirstId && id < codeFirstId + numCodes) {
            return "<code_" + (id - codeFirstId) + ">";
        }
        return null;
    }
}
