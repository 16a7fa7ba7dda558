package ai.ofa.model;

import ai.ofa.generate.IncrementalDecoder;
import ai.ofa.generate.TopLogprobs;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The decoder graph (or the code-writing {@code code_decoder}) as an {@link IncrementalDecoder}. The
 * self-attention cache never leaves ONNX Runtime: each
 * step's {@code present} outputs are fed back as the next step's {@code past}, and beam reordering is a
 * {@code past_order} input applied inside the graph. Cross-attention keys/values stay one row per sentence; rows
 * are grouped sentence-major (equal group sizes). Only when sentences finish is the encoded batch narrowed.
 */
final class KvCacheDecoder implements IncrementalDecoder, AutoCloseable {
    private final OnnxBackend backend;
    private final ModelConfig cfg;
    private final String graph;
    private final Map<String, Object> extraInputs;
    private final boolean positionKeys;   // the code decoder also caches its position keys [1, H, P, hd]
    private final EncodedBatch original;
    private EncodedBatch encoded;
    private int[] groups;          // original sentence id of each group of the current encoded batch
    private int[] rowSentence;     // original sentence id of each row
    private long[] pendingOrder;
    private OnnxBackend.Outputs last;

    /** @param rowSentence for each initial row, the sentence it reads; sentence-major, equal group sizes */
    KvCacheDecoder(OnnxBackend backend, EncodedBatch encoded, int[] rowSentence) {
        this(backend, encoded, rowSentence, "decoder", Map.of(), false);
    }

    /** The decoder that writes image codes ({@code code_decoder}), its positions laid out on a square grid. */
    static KvCacheDecoder forCodes(OnnxBackend backend, EncodedBatch encoded, int[] rowSentence, int gridWidth) {
        return new KvCacheDecoder(backend, encoded, rowSentence, ModelPackage.CODE_DECODER,
                Map.of("code_grid_width", new Longs(new long[]{gridWidth}, new long[]{1})), true);
    }

    private KvCacheDecoder(OnnxBackend backend, EncodedBatch encoded, int[] rowSentence, String graph,
                           Map<String, Object> extraInputs, boolean positionKeys) {
        this.backend = backend;
        this.cfg = backend.modelPackage().config();
        this.graph = graph;
        this.extraInputs = extraInputs;
        this.positionKeys = positionKeys;
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

    @Override
    public boolean hasSearchHead() {
        return true;
    }

    @Override
    public TopLogprobs stepTop(long[] tokens, int k, int[] wanted, int perRow) {
        int rows = tokens.length;
        if (wanted.length != rows * perRow) {
            throw new IllegalArgumentException("Expected " + perRow + " wanted ids for each of " + rows + " rows, got "
                    + wanted.length);
        }
        advance(new Longs(tokens, new long[]{rows, 1}));
        long[] gather = new long[Math.max(1, perRow) * rows];
        for (int i = 0; i < wanted.length; i++) {
            gather[i] = wanted[i];
        }
        try (OnnxBackend.Outputs head = backend.runSearchHead(last.ref("logits"), k,
                new Longs(gather, new long[]{rows, 1, Math.max(1, perRow)}))) {
            long[] ids = ((Longs) head.value("top_ids")).data();
            int[] intIds = new int[ids.length];
            for (int i = 0; i < ids.length; i++) {
                intIds[i] = (int) ids[i];
            }
            float[] got = head.floats("gathered_logprobs").data();
            return new TopLogprobs(k, head.floats("top_logprobs").data(), intIds, perRow,
                    perRow == 0 ? new float[0] : got);
        }
    }

    /**
     * Teacher forcing: feeds [rows, T] tokens and returns the log-prob (log-softmax over all V) of
     * {@code targets[r * T + t]} at each position, computed by the search head without copying the logits.
     */
    float[] targetLogprobs(Longs tokens, long[] targets) {
        advance(tokens);
        long[] shape = tokens.shape();
        try (OnnxBackend.Outputs head = backend.runSearchHead(last.ref("logits"), 1,
                new Longs(targets, new long[]{shape[0], shape[1], 1}))) {
            return head.floats("gathered_logprobs").data();
        }
    }

    /** Feeds [rows, T] tokens (T > 1 teacher-forces them); returns logits [rows, T, V]. */
    Floats run(Longs tokens) {
        advance(tokens);
        return last.floats("logits");
    }

    /** Feeds [rows, T] tokens; the outputs (logits and the new cache) stay native in {@code last}. */
    private void advance(Longs tokens) {
        int rows = (int) tokens.shape()[0];
        if (rows != pendingOrder.length) {
            throw new IllegalArgumentException("Fed " + rows + " rows, the search keeps " + pendingOrder.length);
        }
        Map<String, Object> inputs = new HashMap<>(encoded.cross());
        inputs.putAll(extraInputs);
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
        if (positionKeys) {   // positions only: one row for all, never reordered
            inputs.put("past_pos_key", last == null
                    ? new Floats(new float[0], new long[]{1, cfg.decoderHeads(), 0, cfg.headDim()})
                    : last.ref("present_pos_key"));
        }
        OnnxBackend.Outputs out = backend.runNative(graph, inputs);
        if (last != null) {
            last.close();
        }
        last = out;
        pendingOrder = identity(rows);
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
            if (per == 0 || sentences.length % wanted.length != 0 || sentences[i] != wanted[i / per]) {
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
