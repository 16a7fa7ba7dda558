package ai.ofa.generate;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BeamSearchTest {
    static final BeamSearch.Ids IDS = new BeamSearch.Ids(0, 2, 1);
    static final int V = 8;

    /** A toy model whose next-token logits are a function of the row's whole history (so reorders must be right). */
    static class ToyDecoder implements IncrementalDecoder {
        final Function<int[], float[]> next;
        final int vocab;
        List<int[]> histories = new ArrayList<>();
        int calls;

        ToyDecoder(int rows, Function<int[], float[]> next) {
            this(rows, V, next);
        }

        ToyDecoder(int rows, int vocab, Function<int[], float[]> next) {
            this.next = next;
            this.vocab = vocab;
            for (int i = 0; i < rows; i++) {
                histories.add(new int[0]);
            }
        }

        @Override
        public int vocabSize() {
            return vocab;
        }

        @Override
        public float[] step(long[] tokens) {
            calls++;
            assertEquals(histories.size(), tokens.length, "rows fed == rows kept");
            float[] out = new float[tokens.length * vocab];
            for (int r = 0; r < tokens.length; r++) {
                int[] h = Arrays.copyOf(histories.get(r), histories.get(r).length + 1);
                h[h.length - 1] = (int) tokens[r];
                histories.set(r, h);
                System.arraycopy(next.apply(h), 0, out, r * vocab, vocab);
            }
            return out;
        }

        @Override
        public void reorder(int[] order) {
            List<int[]> n = new ArrayList<>();
            for (int o : order) {
                n.add(histories.get(o));
            }
            histories = n;
        }
    }

    static float[] logits(double... probs) {
        float[] l = new float[V];
        Arrays.fill(l, -1e9f);
        for (int i = 0; i + 1 < probs.length; i += 2) {
            l[(int) probs[i]] = (float) Math.log(probs[i + 1]);
        }
        return l;
    }

    /** After bos: token 3 (0.6) leads to a weak continuation, token 4 (0.4) to a certain one. */
    static float[] garden(int[] h) {
        int last = h[h.length - 1];
        if (h.length == 1) {
            return logits(3, 0.6, 4, 0.4);
        }
        if (last == 3) {
            return logits(5, 0.3, 6, 0.3, 7, 0.4);
        }
        if (last == 4) {
            return logits(5, 1.0);
        }
        return logits(2, 1.0);
    }

    @Test
    void greedyFollowsTheArgmax() {
        List<List<Hypothesis>> out = BeamSearch.search(new ToyDecoder(1, BeamSearchTest::garden), 1, IDS,
                SearchSettings.greedy(), Constraint.NONE);
        assertArrayEquals(new int[]{3, 7, 2}, out.get(0).get(0).tokens());
    }

    @Test
    void beamFindsTheBetterSequenceAndRanksHypotheses() {
        ToyDecoder dec = new ToyDecoder(2 * 3, BeamSearchTest::garden);
        List<List<Hypothesis>> out = BeamSearch.search(dec, 2, IDS, SearchSettings.beam(3), Constraint.NONE);
        for (List<Hypothesis> hs : out) {
            assertArrayEquals(new int[]{4, 5, 2}, hs.get(0).tokens());
            assertEquals(Math.log(0.4) / 3, hs.get(0).score(), 1e-5);
            assertEquals(3, hs.size());
            assertTrue(hs.get(0).score() >= hs.get(1).score() && hs.get(1).score() >= hs.get(2).score());
            assertEquals(Math.log(0.4), hs.get(0).sumLogprob(), 1e-5);
        }
    }

    @Test
    void maxLenForcesEosAndMinLenBlocksIt() {
        Function<int[], float[]> eosFirst = h -> logits(2, 0.9, 5, 0.1);
        List<List<Hypothesis>> min = BeamSearch.search(new ToyDecoder(1, eosFirst), 1, IDS,
                SearchSettings.greedy().withMinLen(2), Constraint.NONE);
        assertArrayEquals(new int[]{5, 5, 2}, min.get(0).get(0).tokens());
        Function<int[], float[]> never = h -> logits(5, 0.5, 6, 0.5);
        List<List<Hypothesis>> max = BeamSearch.search(new ToyDecoder(1, never), 1, IDS,
                SearchSettings.greedy().withMaxLen(3), Constraint.NONE);
        assertEquals(4, max.get(0).get(0).tokens().length);
        assertEquals(2, max.get(0).get(0).tokens()[3]);
    }

    @Test
    void noRepeatNgramBlocksRepeats() {
        Function<int[], float[]> loop = h -> logits(5, 0.5, 6, 0.3, 7, 0.1, 2, 0.1);
        List<List<Hypothesis>> out = BeamSearch.search(new ToyDecoder(1, loop), 1, IDS,
                SearchSettings.greedy().withMaxLen(6).withNoRepeatNgram(2), Constraint.NONE);
        int[] t = out.get(0).get(0).tokens();
        for (int i = 0; i + 3 < t.length; i++) {
            for (int j = i + 1; j + 1 < t.length; j++) {
                assertTrue(t[i] != t[j] || t[i + 1] != t[j + 1], "bigram repeated in " + Arrays.toString(t));
            }
        }
        assertEquals(Arrays.asList(6), new ArrayList<>(BeamSearch.bannedTokens(0, new int[]{5, 6, 5}, 2)));
    }

    @Test
    void trieConstraintOnlyProducesCandidatesNormalisedOverAllowedTokens() {
        PrefixTrie trie = new PrefixTrie();
        trie.insert(new int[]{6, 7, 2});
        trie.insert(new int[]{4, 2});
        Function<int[], float[]> any = h -> logits(3, 0.7, 4, 0.1, 6, 0.2, 7, 0.5, 2, 0.5);
        List<List<Hypothesis>> out = BeamSearch.search(new ToyDecoder(2, any), 1, IDS, SearchSettings.beam(2),
                trie.constraint());
        for (Hypothesis h : out.get(0)) {
            assertTrue(Arrays.equals(h.tokens(), new int[]{6, 7, 2}) || Arrays.equals(h.tokens(), new int[]{4, 2}));
        }
        // first step renormalised over {4, 6}: 0.2 / 0.3
        Hypothesis best = out.get(0).get(0);
        assertArrayEquals(new int[]{6, 7, 2}, best.tokens());
        assertEquals(Math.log(0.2 / 0.3), best.tokenLogprobs()[0], 1e-5);
    }

    @Test
    void allowedRangeKeepsTokensInsideAndEosAfterN() {
        Function<int[], float[]> any = h -> logits(3, 0.5, 5, 0.2, 6, 0.2, 2, 0.1);
        List<List<Hypothesis>> out = BeamSearch.search(new ToyDecoder(1, any), 1, IDS,
                SearchSettings.greedy().withMaxLen(2), Constraint.allowedRange(5, 7, 2, 2));
        int[] t = out.get(0).get(0).tokens();
        assertEquals(3, t.length);
        assertTrue(t[0] >= 5 && t[0] < 7 && t[1] >= 5 && t[1] < 7 && t[2] == 2, Arrays.toString(t));
    }
}
