package ai.ofa.model;

/**
 * Where the text, image-code and location-bin tokens sit in the vocabulary; derived by the converter from the
 * vocabulary files, never hard-coded.
 */
public record VocabularyLayout(String vocabFile, String mergesFile, int textSize, int codeFirstId, int numCodes,
                               int binFirstId, int numBins) {
    public boolean isBin(int id) {
        return id >= binFirstId && id < binFirstId + numBins;
    }

    public int binIndex(int id) {
        if (!isBin(id)) {
            throw new IllegalArgumentException("Token id " + id + " is not a location bin, expected one of ["
                    + binFirstId + ", " + (binFirstId + numBins) + ")");
        }
        return id - binFirstId;
    }

    public int binId(int index) {
        if (index < 0 || index >= numBins) {
            throw new IllegalArgumentException("Bin index " + index + " out of range [0, " + numBins + ")");
        }
        return binFirstId + index;
    }
}
