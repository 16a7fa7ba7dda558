package ai.ofa.generate;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CodeSampler on toy decoders whose distributions the tests know exactly. */
class CodeSamplerTest {
    static final int BOS = 0;
    static final int EOS = 2;
    static final int FIRST_CODE = 6;   // ids 4, 5 are "text": outside the normalisation, never drawn
    static final int CODES = 20;
    static final int V = FIRST_CODE + CODES + 1;   // one id after the codes (a "bin"), also outside
    static final CodeSampler.CodeRange RANGE = CodeSampler.CodeRange.of(FIRST_CODE, CODES, EOS, 0, 1, 2, 3);

    interface Logits {
        float[] of(int row, int[] history);
    }

    /** Rows with their own history; logits from a function of (row's prompt, history); optional search head. */
    static final class Toy implements IncrementalDecoder {
        final Logits logits;
        final int[] prompts;
        final boolean head;
        final List<int[]> histories = new ArrayList<>();

        Toy(int[] prompts, boolean head, Logits logits) {
            this.logits = logits;
            this.prompts = prompts;
            this.head = head;
            for (int ignored : prompts) {
                histories.add(new int[0]);
            }
        }

        @Override
        public int vocabSize() {
            return V;
        }

        @Override
        public float[] step(long[] tokens) {
            assertEquals(histories.size(), tokens.length);
            float[] out = new float[tokens.length * V];
            for (int r = 0; r < tokens.length; r++) {
                int[] h = Arrays.copyOf(histories.get(r), histories.get(r).length + 1);
                h[h.length - 1] = (int) tokens[r];
                histories.set(r, h);
                System.arraycopy(logits.of(prompts[r], h), 0, out, r * V, V);
            }
            return out;
        }

        @Override
        public void reorder(int[] order) {
            throw new AssertionError("the sampler never reorders rows");
        }

        @Override
        public boolean hasSearchHead() {
            return head;
        }

        @Override
        public TopLogprobs stepTop(long[] tokens, int k, int[] wanted, int perRow) {
            float[] l = step(tokens);
            float[] got = new float[wanted.length];
            float[] top = new float[tokens.length * k];
            int[] ids = new int[tokens.length * k];
            for (int r = 0; r < tokens.length; r++) {
                float lse = BeamSearch.logSumExp(l, r * V, V);
                for (int j = 0; j < perRow; j++) {
                    got[r * perRow + j] = l[r * V + wanted[r * perRow + j]] - lse;
                }
            }
            return new TopLogprobs(k, top, ids, perRow, got);
        }
    }

    /** A fixed distribution over the codes, plus strong special and text logits the sampler must never draw. */
    static float[] fixed(double slope) {
        return fixed(slope, 5f);
    }

    static float[] fixed(double slope, float unk) {
        float[] l = new float[V];
        for (int c = 0; c < CODES; c++) {
            l[FIRST_CODE + c] = (float) (-slope * c);
        }
        l[3] = unk;   // unk: in the normalisation, never drawn
        l[0] = l[1] = l[2] = unk - 1;
        l[4] = 9f;    // text: outside the normalisation
        l[V - 1] = 9f;
        return l;
    }

    static int[] rows(int sentences, int samples) {
        int[] p = new int[sentences * samples];
        for (int i = 0; i < p.length; i++) {
            p[i] = i / samples;
        }
        return p;
    }

    /** The step log-probs the reference computes: softmax of logits/T over ids 0..3 and the codes. */
    static double[] referenceLogprobs(float[] l, double t) {
        double max = Double.NEGATIVE_INFINITY;
        for (int id : RANGE.normalizedIds()) {
            max = Math.max(max, l[id] / t);
        }
        double sum = 0;
        for (int id : RANGE.normalizedIds()) {
            sum += Math.exp(l[id] / t - max);
        }
        double[] out = new double[V];
        Arrays.fill(out, Double.NEGATIVE_INFINITY);
        for (int id : RANGE.normalizedIds()) {
            out[id] = l[id] / t - max - Math.log(sum);
        }
        return out;
    }

    @Test
    void greedyTakesTheBestCodeNeverASpecialAndEndsWithEos() {
        Logits byHistory = (p, h) -> {   // the best code depends on the history, so every step is checked
            float[] l = fixed(0.3);
            l[FIRST_CODE + (h.length * 7) % CODES] = 4f;
            return l;
        };
        for (boolean head : new boolean[]{false, true}) {
            List<List<Hypothesis>> out = CodeSampler.sample(new Toy(rows(1, 1), head, byHistory), 1, BOS, RANGE, 6,
                    SamplingSettings.greedy());
            Hypothesis h = out.get(0).get(0);
            assertEquals(7, h.tokens().length);
            double sum = 0;
            for (int step = 0; step < 6; step++) {
                assertEquals(FIRST_CODE + ((step + 1) * 7) % CODES, h.tokens()[step], "step " + step);
                float[] l = byHistory.of(0, new int[step + 1]);
                assertEquals(referenceLogprobs(l, 1)[h.tokens()[step]], h.tokenLogprobs()[step], 1e-5);
                sum += h.tokenLogprobs()[step];
            }
            assertEquals(EOS, h.tokens()[6]);
            assertEquals(referenceLogprobs(byHistory.of(0, new int[7]), 1)[EOS], h.tokenLogprobs()[6], 1e-5,
                    "eos scored in the same normalisation");
            assertEquals(sum + h.tokenLogprobs()[6], h.score(), 1e-6);
        }
    }

    @Test
    void temperatureScalesTheLogitsBeforeTheSoftmax() {
        Logits l = (p, h) -> fixed(0.5);
        Hypothesis h = CodeSampler.sample(new Toy(rows(1, 1), true, l), 1, BOS, RANGE, 2,
                SamplingSettings.greedy().withTemperature(2.5)).get(0).get(0);
        assertEquals(referenceLogprobs(fixed(0.5), 2.5)[FIRST_CODE], h.tokenLogprobs()[0], 1e-5);
    }

    /** Codes drawn at every step of n samples of length len. */
    static List<Integer> draws(SamplingSettings s, double slope, int len) {
        return draws(s, slope, 5f, len);
    }

    static List<Integer> draws(SamplingSettings s, double slope, float unk, int len) {
        List<List<Hypothesis>> out = CodeSampler.sample(new Toy(rows(1, s.samples()), true,
                        (p, h) -> fixed(slope, unk)),
                1, BOS, RANGE, len, s);
        List<Integer> codes = new ArrayList<>();
        for (Hypothesis h : out.get(0)) {
            for (int i = 0; i < len; i++) {
                codes.add(h.tokens()[i] - FIRST_CODE);
            }
        }
        return codes;
    }

    @Test
    void topKRestrictsTheDrawsToTheKBestCodes() {
        SamplingSettings s = SamplingSettings.reference().withTopK(5).withSamples(400).withSeed(3);
        List<Integer> drawn = draws(s, 0.05, 3);
        Set<Integer> seen = new HashSet<>(drawn);
        assertEquals(Set.of(0, 1, 2, 3, 4), seen, "only, and all of, the 5 best codes");
        // frequencies follow the probabilities renormalised over the kept codes (5-sigma bound)
        double[] p = new double[5];
        double total = 0;
        for (int c = 0; c < 5; c++) {
            p[c] = Math.exp(-0.05 * c);
            total += p[c];
        }
        double expected = p[0] / total;
        double got = drawn.stream().filter(c -> c == 0).count() / (double) drawn.size();
        assertEquals(expected, got, 5 * Math.sqrt(expected * (1 - expected) / drawn.size()));
        Set<Integer> unrestricted = new HashSet<>(draws(s.withTopK(0), 0.05, 3));
        assertTrue(unrestricted.size() > 10, "without top-k the tail is drawn too: " + unrestricted);
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        double slope = 0.4;
        double[] lp = referenceLogprobs(fixed(slope, -2f), 1);
        double p = 0.5;
        double cumulative = 0;   // fairseq: probabilities over the codes (specials' mass not given back), best first
        int below = 0;
        for (int c = 0; c < CODES; c++) {
            cumulative += Math.exp(lp[FIRST_CODE + c]);
            if (cumulative < p) {
                below++;
            }
        }
        int keep = Math.min(below + 1, CODES);
        assertTrue(keep > 1 && keep < CODES, "the case must truncate: keep " + keep);
        SamplingSettings s = SamplingSettings.reference().withTopK(1).withTopP(p).withSamples(400).withSeed(5);
        Set<Integer> seen = new HashSet<>(draws(s, slope, -2f, 3));   // top-p takes precedence over top-k = 1
        Set<Integer> nucleus = new HashSet<>();
        for (int c = 0; c < keep; c++) {
            nucleus.add(c);
        }
        assertEquals(nucleus, seen);
    }

    @Test
    void aSeedReproducesARunAndAnotherSeedChangesIt() {
        SamplingSettings s = SamplingSettings.reference().withSamples(3).withSeed(11);
        assertEquals(draws(s, 0.01, 30), draws(s, 0.01, 30));
        assertNotEquals(draws(s, 0.01, 30), draws(s.withSeed(12), 0.01, 30));
    }

    @Test
    void aSentenceGetsTheSameSamplesWhateverShareItsBatch() {
        Logits perPrompt = (p, h) -> {
            float[] l = fixed(0.02);
            l[FIRST_CODE + (p * 5 + h.length) % CODES] += 1f;
            return l;
        };
        SamplingSettings s = SamplingSettings.reference().withSamples(2).withSeed(9);
        List<List<Hypothesis>> alone = CodeSampler.sample(new Toy(new int[]{1, 1}, true, perPrompt), 1, BOS, RANGE,
                8, s);
        List<List<Hypothesis>> batched = CodeSampler.sample(new Toy(new int[]{0, 0, 1, 1}, true, perPrompt), 2, BOS,
                RANGE, 8, s);
        for (int j = 0; j < 2; j++) {
            assertArrayEquals(alone.get(0).get(j).tokens(), batched.get(1).get(j).tokens());
        }
        assertFalse(Arrays.equals(batched.get(0).get(0).tokens(), batched.get(1).get(0).tokens()));
    }

    @Test
    void samplesComeBestFirst() {
        List<Hypothesis> out = CodeSampler.sample(new Toy(rows(1, 6), true, (p, h) -> fixed(0.01)), 1, BOS, RANGE, 5,
                SamplingSettings.reference().withSamples(6).withSeed(1)).get(0);
        assertEquals(6, out.size());
        for (int i = 1; i < out.size(); i++) {
            assertTrue(out.get(i - 1).score() >= out.get(i).score());
        }
        for (Hypothesis h : out) {
            assertEquals(h.sumLogprob(), h.score(), 1e-6);
        }
    }

    @Test
    void settingsAreChecked() {
        assertTrue(assertThrowsMessage(() -> SamplingSettings.reference().withTopP(1.5)).contains("top-p"));
        assertTrue(assertThrowsMessage(() -> SamplingSettings.reference().withTemperature(0)).contains("temperature"));
        assertTrue(assertThrowsMessage(() -> SamplingSettings.reference().withSamples(0)).contains("samples"));
        assertTrue(assertThrowsMessage(() -> SamplingSettings.reference().withTopK(-1)).contains("top-k"));
        assertTrue(assertThrowsMessage(() -> CodeSampler.CodeRange.of(FIRST_CODE, CODES, 99, 0, 1, 2, 3))
                .contains("eos"));
    }

    static String assertThrowsMessage(org.junit.jupiter.api.function.Executable e) {
        return org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, e).getMessage();
    }
}
