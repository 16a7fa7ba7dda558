package ai.ofa.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;

/**
 * Draws image-code sequences of a fixed length the way OFA's image generation does (fairseq's
 * {@code SequenceGenerator} with {@code constraint_range} and {@code gen_code}, and its {@code Sampling} search):
 * at each of the {@code length} steps the logits are divided by the temperature, every id outside the
 * {@link CodeRange#normalizedIds() normalised ids} (the code range plus the special ids below 4 that the reference
 * leaves unmasked) is dropped, the log-softmax is taken over the rest, the special ids are then banned, and one
 * code is drawn among the top-k (or top-p) codes in proportion to its probability. After the last code eos is
 * forced and its log-prob, from the same normalisation, ends the sequence. A sequence's score is the sum of its
 * log-probs (eos included); every sequence has the same length, so fairseq's length normalisation would not change
 * the order. The {@code samples} sequences of each input are returned best first.
 *
 * <p>Each sample draws from its own random stream, seeded by (seed, sample index) alone: an input gets the same
 * samples whatever else is in its batch. Rows are {@code sentences * samples}, sentence-major, and never reorder.
 *
 * <pre>{@code
 * List<List<Hypothesis>> out = CodeSampler.sample(decoder, 1, bos, range, 1024, SamplingSettings.reference());
 * }</pre>
 */
public final class CodeSampler {
    private CodeSampler() {
    }

    /**
     * The ids of one step's distribution: {@code normalizedIds} (ascending) hold the codes
     * {@code firstCode .. firstCode + numCodes - 1} as one block, plus ids that only share the normalisation
     * (never drawn); {@code eos} is among them, for the forced last step.
     */
    public record CodeRange(int[] normalizedIds, int firstCode, int numCodes, int eos) {
        public CodeRange {
            normalizedIds = normalizedIds.clone();
            for (int i = 1; i < normalizedIds.length; i++) {
                if (normalizedIds[i] <= normalizedIds[i - 1]) {
                    throw new IllegalArgumentException("normalizedIds must be ascending and distinct");
                }
            }
            int at = Arrays.binarySearch(normalizedIds, firstCode);
            if (numCodes < 1 || at < 0 || at + numCodes > normalizedIds.length
                    || normalizedIds[at + numCodes - 1] != firstCode + numCodes - 1) {
                throw new IllegalArgumentException("normalizedIds must hold the codes " + firstCode + ".."
                        + (firstCode + numCodes - 1) + " as one block");
            }
            if (Arrays.binarySearch(normalizedIds, eos) < 0) {
                throw new IllegalArgumentException("normalizedIds must hold eos " + eos);
            }
        }

        /** The reference's rule: codes plus the special ids {@code specials} (bos, pad, eos, unk). */
        public static CodeRange of(int firstCode, int numCodes, int eos, int... specials) {
            int[] ids = new int[specials.length + numCodes];
            System.arraycopy(specials, 0, ids, 0, specials.length);
            for (int i = 0; i < numCodes; i++) {
                ids[specials.length + i] = firstCode + i;
            }
            Arrays.sort(ids);
            return new CodeRange(ids, firstCode, numCodes, eos);
        }

        int codeOffset() {
            return Arrays.binarySearch(normalizedIds, firstCode);
        }
    }

    public static List<List<Hypothesis>> sample(IncrementalDecoder decoder, int sentences, int bos, CodeRange range,
                                                int length, SamplingSettings s) {
        return sample(decoder, sentences, bos, range, length, s, step -> { });
    }

    /** As above; {@code onStep} hears each step number just before its decoder call (benchmarks time steps). */
    public static List<List<Hypothesis>> sample(IncrementalDecoder decoder, int sentences, int bos, CodeRange range,
                                                int length, SamplingSettings s, IntConsumer onStep) {
        if (length < 1) {
            throw new IllegalArgumentException("length must be >= 1, got " + length);
        }
        int[] ids = range.normalizedIds();
        int vocab = decoder.vocabSize();
        BeamSearch.checkInVocabulary(ids, vocab);
        int per = ids.length;
        int rows = sentences * s.samples();
        SplittableRandom[] rng = new SplittableRandom[rows];
        for (int r = 0; r < rows; r++) {
            rng[r] = stream(s.seed(), r % s.samples());
        }
        int[] wanted = new int[rows * per];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(ids, 0, wanted, r * per, per);
        }
        int[][] tokens = new int[rows][length + 1];
        float[][] logprobs = new float[rows][length + 1];
        long[] input = new long[rows];
        Arrays.fill(input, bos);
        int eosAt = Arrays.binarySearch(ids, range.eos());
        Selector selector = new Selector(range, s);
        float[] scaled = new float[per];
        for (int step = 0; step <= length; step++) {
            onStep.accept(step);
            float[] lp = logprobsOf(decoder, input, ids, wanted);
            for (int r = 0; r < rows; r++) {
                float lse = scaleAndNormalize(lp, r * per, per, (float) (1.0 / s.temperature()), scaled);
                int token;
                float tokenLp;
                if (step < length) {
                    int pick = selector.pick(scaled, lse, rng[r]);
                    token = range.firstCode() + pick;
                    tokenLp = scaled[range.codeOffset() + pick] - lse;
                } else {
                    token = range.eos();
                    tokenLp = scaled[eosAt] - lse;
                }
                tokens[r][step] = token;
                logprobs[r][step] = tokenLp;
                input[r] = token;
            }
        }
        List<List<Hypothesis>> out = new ArrayList<>();
        for (int k = 0; k < sentences; k++) {
            List<Hypothesis> mine = new ArrayList<>();
            for (int j = 0; j < s.samples(); j++) {
                int r = k * s.samples() + j;
                double score = 0;
                for (float x : logprobs[r]) {
                    score += x;
                }
                mine.add(new Hypothesis(tokens[r], logprobs[r], score));
            }
            mine.sort((a, b) -> Double.compare(b.score(), a.score()));   // stable: ties keep the sample order
            out.add(mine);
        }
        return out;
    }

    /** The random stream of one sample: a function of (seed, sample index) only. */
    static SplittableRandom stream(long seed, int sample) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 0xD1B54A32D192ED03L * (sample + 1L));
    }

    /** Full-vocabulary log-probs of {@code ids} for each row, from the search head or from the full logits. */
    private static float[] logprobsOf(IncrementalDecoder decoder, long[] input, int[] ids, int[] wanted) {
        if (decoder.hasSearchHead()) {
            return decoder.stepTop(input, 1, wanted, ids.length).wanted();
        }
        int vocab = decoder.vocabSize();
        float[] logits = decoder.step(input);
        float[] out = new float[input.length * ids.length];
        for (int r = 0; r < input.length; r++) {
            float lse = BeamSearch.logSumExp(logits, r * vocab, vocab);
            for (int j = 0; j < ids.length; j++) {
                out[r * ids.length + j] = logits[r * vocab + ids[j]] - lse;
            }
        }
        return out;
    }

    /** out = lp[off..off+n) * invT; returns their log-sum-exp (so out[j] - lse is the step's log-prob). */
    private static float scaleAndNormalize(float[] lp, int off, int n, float invT, float[] out) {
        for (int j = 0; j < n; j++) {
            float v = lp[off + j];
            out[j] = v == Float.NEGATIVE_INFINITY || Float.isNaN(v) ? Float.NEGATIVE_INFINITY : v * invT;
        }
        return BeamSearch.logSumExp(out, 0, n);
    }

    /** Picks one code per row from the scaled values; holds scratch space, so one per search thread. */
    static final class Selector {
        private final int offset;
        private final int count;
        private final SamplingSettings s;
        private final long[] keys;
        private final float[] heapValues;
        private final int[] heapIds;
        private final double[] weights;
        private final int[] order;

        Selector(CodeRange range, SamplingSettings s) {
            this.offset = range.codeOffset();
            this.count = range.numCodes();
            this.s = s;
            this.keys = s.topP() > 0 ? new long[count] : new long[0];
            int k = s.topP() > 0 ? 0 : Math.min(s.topK() == 0 ? count : s.topK(), count);
            this.heapValues = new float[k];
            this.heapIds = new int[k];
            this.weights = new double[s.topP() > 0 ? count : k];
            this.order = new int[weights.length];
        }

        /** The index (within the codes) of the code drawn; {@code lse} turns scaled values into log-probs. */
        int pick(float[] scaled, float lse, SplittableRandom rng) {
            if (s.isGreedy()) {
                int best = 0;
                for (int j = 1; j < count; j++) {
                    if (scaled[offset + j] > scaled[offset + best]) {
                        best = j;
                    }
                }
                return best;
            }
            int n = s.topP() > 0 ? nucleus(scaled, lse) : topK(scaled);
            double total = 0;
            for (int i = 0; i < n; i++) {
                total += weights[i];
            }
            double u = rng.nextDouble() * total;
            double acc = 0;
            for (int i = 0; i < n; i++) {
                acc += weights[i];
                if (u < acc) {
                    return order[i];
                }
            }
            return order[n - 1];
        }

        /** The k best codes (ties: lower code first) into order/weights, best first; returns k. */
        private int topK(float[] scaled) {
            int k = heapValues.length;
            int size = 0;
            for (int j = 0; j < count; j++) {
                float v = scaled[offset + j];
                if (size < k) {
                    heapValues[size] = v;
                    heapIds[size] = j;
                    siftUp(size++);
                } else if (v > heapValues[0]) {   // strict: on ties the earlier (lower) code stays
                    heapValues[0] = v;
                    heapIds[0] = j;
                    siftDown(0, size);
                }
            }
            for (int end = size - 1; end > 0; end--) {   // heap sort: worst to the back, so the array ends best first
                swap(0, end);
                siftDown(0, end);
            }
            float max = heapValues[0];
            for (int i = 0; i < size; i++) {
                order[i] = heapIds[i];
                weights[i] = heapValues[i] == Float.NEGATIVE_INFINITY ? 0 : Math.exp(heapValues[i] - max);
            }
            return size;
        }

        /**
         * fairseq's top-p: codes by probability, most likely first (ties: lower code); keep those whose running sum
         * stays below p, plus the next one.
         */
        private int nucleus(float[] scaled, float lse) {
            for (int j = 0; j < count; j++) {
                keys[j] = ((long) ~sortable(scaled[offset + j]) << 32) | j;
            }
            Arrays.sort(keys);
            double cumulative = 0;
            int below = 0;
            for (int i = 0; i < count; i++) {
                int j = (int) keys[i];
                double p = Math.exp(scaled[offset + j] - lse);
                cumulative += p;
                if (cumulative < s.topP()) {
                    below++;
                }
                order[i] = j;
                weights[i] = p;
            }
            return Math.min(below + 1, count);
        }

        /** A heap whose root is the worst kept entry: lower value, or on equal values the higher code. */
        private boolean worse(int a, int b) {
            return heapValues[a] < heapValues[b] || (heapValues[a] == heapValues[b] && heapIds[a] > heapIds[b]);
        }

        private void siftUp(int i) {
            while (i > 0) {
                int parent = (i - 1) / 2;
                if (!worse(i, parent)) {
                    return;
                }
                swap(i, parent);
                i = parent;
            }
        }

        private void siftDown(int i, int size) {
            while (true) {
                int l = 2 * i + 1;
                int r = l + 1;
                int w = i;
                if (l < size && worse(l, w)) {
                    w = l;
                }
                if (r < size && worse(r, w)) {
                    w = r;
                }
                if (w == i) {
                    return;
                }
                swap(i, w);
                i = w;
            }
        }

        private void swap(int a, int b) {
            float v = heapValues[a];
            heapValues[a] = heapValues[b];
            heapValues[b] = v;
            int id = heapIds[a];
            heapIds[a] = heapIds[b];
            heapIds[b] = id;
        }

        /** An int whose signed order is the float's order (-inf lowest). */
        private static int sortable(float v) {
            int bits = Float.floatToIntBits(v);
            return bits ^ ((bits >> 31) & 0x7fffffff);
        }
    }
}
