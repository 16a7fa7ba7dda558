package ai.ofa.model;

import ai.ofa.generate.IncrementalDecoder;

import java.util.HashMap;
import java.util.Map;

/**
 * The decoder graph as an {@link IncrementalDecoder}: keeps, per live row, the self-attention cache (grown one
 * step per call by the graph) and the cross-attention keys/values computed once per sequence. Reordering rows
 * gathers the self cache; the cross tensors are only gathered when the set of sentences changes (beams of one
 * sentence share them).
 */
final class KvCacheDecoder implements IncrementalDecoder {
    private final OnnxBackend backend;
    private final ModelConfig cfg;
    private Map<String, Floats> cross;
    private Bools mask;
    private Map<String, Floats> past;
    private int[] rowSentence;

    /** @param rowSentence for each initial row, which encoded sentence it reads (e.g. each repeated beam times) */
    KvCacheDecoder(OnnxBackend backend, EncodedBatch encoded, int[] rowSentence) {
        this.backend = backend;
        this.cfg = backend.modelPackage().config();
        this.cross = new HashMap<>();
        encoded.cross().forEach((k, v) -> cross.put(k, v.gatherRows(rowSentence)));
        this.mask = encoded.paddingMask().gatherRows(rowSentence);
        this.rowSentence = rowSentence.clone();
        this.past = new HashMap<>();
        for (int i = 0; i < cfg.decoderLayers(); i++) {
            long[] shape = {rowSentence.length, cfg.decoderHeads(), 0, cfg.headDim()};
            past.put("past_key_" + i, new Floats(new float[0], shape));
            past.put("past_value_" + i, new Floats(new float[0], shape));
        }
    }

    @Override
    public int vocabSize() {
        return cfg.vocabSize();
    }

    @Override
    public float[] step(long[] tokens) {
        return run(new Longs(tokens, new long[]{tokens.length, 1})).data();
    }

    /** Feeds [rows, T] tokens at once (teacher forcing); returns logits [rows, T, V]. */
    Floats run(Longs tokens) {
        Map<String, Object> inputs = new HashMap<>(cross);
        inputs.putAll(past);
        inputs.put("encoder_padding_mask", mask);
        inputs.put("input_ids", tokens);
        Map<String, Object> out = backend.run("decoder", inputs);
        Map<String, Floats> next = new HashMap<>();
        for (int i = 0; i < cfg.decoderLayers(); i++) {
            next.put("past_key_" + i, (Floats) out.get("present_key_" + i));
            next.put("past_value_" + i, (Floats) out.get("present_value_" + i));
        }
        past = next;
        return (Floats) out.get("logits");
    }

    @Override
    public void reorder(int[] order) {
        past.replaceAll((k, v) -> v.gatherRows(order));
        int[] sentences = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            sentences[i] = rowSentence[order[i]];
        }
        if (!java.util.Arrays.equals(sentences, rowSentence)) {
            cross.replaceAll((k, v) -> v.gatherRows(order));
            mask = mask.gatherRows(order);
            rowSentence = sentences;
        }
    }
}
