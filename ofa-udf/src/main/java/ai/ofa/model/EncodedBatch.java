package ai.ofa.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the decoder reads of an encoded batch, kept native: per decoder layer the cross-attention keys/values,
 * the cross position keys, and the encoder padding mask, one row per sentence (never per beam). Close it when the
 * batch is done; close() is idempotent.
 */
public final class EncodedBatch implements AutoCloseable {
    private final OnnxBackend backend;
    private final int size;
    private final Map<String, OnnxBackend.Native> cross;
    private final OnnxBackend.Native mask;
    private final List<AutoCloseable> owned;
    private boolean closed;

    EncodedBatch(OnnxBackend backend, int size, Map<String, OnnxBackend.Native> cross, OnnxBackend.Native mask,
                 List<AutoCloseable> owned) {
        this.backend = backend;
        this.size = size;
        this.cross = Map.copyOf(cross);
        this.mask = mask;
        this.owned = List.copyOf(owned);
    }

    public int size() {
        return size;
    }

    Map<String, OnnxBackend.Native> cross() {
        return cross;
    }

    OnnxBackend.Native mask() {
        return mask;
    }

    /** The given sentences only, in that order (copied; used when finished sentences leave a beam search). */
    EncodedBatch select(int[] sentences) {
        Map<String, OnnxBackend.Native> sub = new LinkedHashMap<>();
        List<AutoCloseable> own = new ArrayList<>();
        for (Map.Entry<String, OnnxBackend.Native> e : cross.entrySet()) {
            OnnxBackend.Native n = backend.upload(((Floats) e.getValue().copy()).gatherRows(sentences));
            sub.put(e.getKey(), n);
            own.add(n);
        }
        OnnxBackend.Native m = backend.upload(((Bools) mask.copy()).gatherRows(sentences));
        own.add(m);
        return new EncodedBatch(backend, sentences.length, sub, m, own);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception e) {
                // native memory release only; nothing to report
            }
        }
    }
}
