package ai.ofa.model;

/** The architecture facts the runtime needs (sizes of the KV cache, vocabulary, image grid). */
public record ModelConfig(int dModel, int encoderLayers, int decoderLayers, int decoderHeads, int headDim,
                          int vocabSize, int maxPositions, int imageBucketSize, int patchStride, long parameters) {
    /** Largest square resolution the image position table covers (bucket * stride, 672 for OFA). */
    public int maxResolution() {
        return imageBucketSize * patchStride;
    }
}
