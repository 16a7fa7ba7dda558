package ai.ofa.model;

import java.util.Map;

/** Encoder output of a batch, with the decoder's cross-attention tensors computed once for it. */
public record EncodedBatch(int size, Bools paddingMask, Map<String, Floats> cross) {
    public EncodedBatch {
        cross = Map.copyOf(cross);
    }
}
