package ai.ofa.model;

import ai.ofa.generate.IncrementalDecoder;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The decoder graph as an {@link IncrementalDecoder}. The self-attention cache never leaves ONNX Runtime: each
 * step's {@code present} outputs are fed back as the next step's {@code past}, and beam reordering is a
 * {@code past_order} input applied inside the graph. Cross-attention keys/values stay one row per sentence; rows
 * are grouped sentence-major (equal group sizes). Only when sentences finish is the encoded batch narrowed.
 */
final class KvCacheDecoder implements IncrementalDecoder, AutoCloseable {
    private final OnnxBackend backend;
    private final ModelConfig cfg;
    private final EncodedBatch original;
    private EncodedBatch encoded;
    private int[] groups;          // original sentence id of each group of the current encoded batch
    private int[] rowSentence;     // original sentence id of each row
    private long[] pendingOrder;
    private OnnxBackend.Outputs last;

    /** @param rowSentence for each initial row, the sentence it reads; sentence-major, equal group sizes */
    KvCacheDecoder(OnnxBackend backend, EncodedBatch encoded, int[] rowSentence) {
        this.backend = backend;
        this.cfg = backend.modelPackage().config();
        this.original = encoded;
        this.encoded = encoded;
        this.groups = new int[encoded.size()];
        for (int i = 0; i < groups.length; i++) {
            groups[i] = i;
        }
        this.rowSentence = rowSentence.clone();
        narrowTo(rowSentence);
        this.pendingOrder = identity(rowSentence.length);
    }

    @Override
    public int vocabSize() {
        return cfg.vocabSize();
    }

    @Override
    public float[] step(long[] tokens) {
        return run(new Longs(tokens, new long[]{tokens.length, 1})).data();
    }

    /** Feeds [rows, T] tokens (T > 1 teacher-forces them); returns logits [rows, T, V]. */
    Floats run(Longs tokens) {
        int rows = (int) tokens.shape()[0];
        if (rows != pendingOrder.length) {
            throw new IllegalArgumentException("Fed " + rows + " rows, the search keeps " + pendingOrder.length);
        }
        Map<String, Object> inputs = new HashMap<>(encoded.cross());
        inputs.put("encoder_padding_mask", encoded.mask());
        inputs.put("input_ids", tokens);
        inputs.put("past_order", new Longs(pendingOrder, new long[]{rows}));
        for (int i = 0; i < cfg.decoderLayers(); i++) {
            if (last == null) {
                Floats empty = new Floats(new float[0], new long[]{rows, cfg.decoderHeads(), 0, cfg.headDim()});
                inputs.put("past_key_" + i, empty);
                inputs.put("past_value_" + i, empty);
            } else {
                inputs.put("past_key_" + i, last.ref("present_key_" + i));
                inputs.put("past_value_" + i, last.ref("present_value_" + i));
            }
        }
        OnnxBackend.Outputs out = backend.runNative("decoder", inputs);
        if (last != null) {
            last.close();
        }
        last = out;
        pendingOrder = identity(rows);
        return out.floats("logits");
    }

    @Override
    public void reorder(int[] order) {
        int[] sentences = new int[order.length];
        for (int i = 0; i < order.length; i++) {
            sentences[i] = rowSentence[order[i]];
        }
        rowSentence = sentences;
        narrowTo(sentences);
        pendingOrder = Arrays.stream(order).asLongStream().toArray();
    }

    /** Keeps exactly the sentences the rows read, in row order; checks the rows are grouped evenly. */
    private void narrowTo(int[] sentences) {
        Set<Integer> distinct = new LinkedHashSet<>();
        for (int s : sentences) {
            distinct.add(s);
        }
        int[] wanted = distinct.stream().mapToInt(Integer::intValue).toArray();
        int per = sentences.length / Math.max(1, wanted.length);
        for (int i = 0; i < sentences.length; i++) {
            if (per == 0 || sentences[i] != wanted[i / per]) {
                throw new IllegalArgumentException("Decoder rows must come in equal sentence-major groups, got "
                        + Arrays.toString(sentences));
            }
        }
        if (!Arrays.equals(wanted, groups)) {
            if (encoded != original) {
                encoded.close();
            }
            encoded = original.select(wanted);
            groups = wanted;
        }
    }

    private static long[] identity(int n) {
        long[] o = new long[n];
        for (int i = 0; i < n; i++) {
            o[i] = i;
        }
        return o;
    }

    @Override
    public void close() {
        if (last != null) {
            last.close();
            last = null;
        }
        if (encoded != original) {
            encoded.close();
            encoded = original;
        }
    }
}
