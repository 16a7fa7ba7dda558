package ai.ofa.generate;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The search-head path (top-k log-probs from the decoder) must pick exactly what the full-logits path picks:
 * same hypotheses, same log-probs, under min/max length, no-repeat-ngram, beam sizes and batches.
 */
class SearchHeadTest {
    static final BeamSearch.Ids IDS = new BeamSearch.Ids(0, 2, 1);

    /** Logits are a seeded function of the row's history; optionally answers {@link #stepTop} itself. */
    static final class HashDecoder extends BeamSearchTest.ToyDecoder {
        final boolean head;
        int fullSteps;
        int headSteps;
        int largestK;

        HashDecoder(int rows, int vocab, boolean head, float spread) {
            super(rows, vocab, h -> next(h, vocab, spread));
            this.head = head;
        }

        static float[] next(int[] h, int vocab, float spread) {
            Random r = new Random(Arrays.hashCode(h) * 31L + 7);
            float[] l = new float[vocab];
            for (int v = 0; v < vocab; v++) {
                l[v] = (float) (r.nextGaussian() * spread);
            }
            l[IDS.eos()] += h.length >= 3 ? 2.5f : 0f;   // eos gets likely after a few tokens
            l[IDS.pad()] += 3 * spread;                    // banned ids crowd the top: k must reach past them
            l[h[h.length - 1]] += 2 * spread;              // repeats, which no-repeat-ngram then bans
            l[5] = l[6];                                   // an exact tie: the lower id must win on both paths
            return l;
        }

        @Override
        public float[] step(long[] tokens) {
            fullSteps++;
            return super.step(tokens);
        }

        @Override
        public boolean hasSearchHead() {
            return head;
        }

        @Override
        public TopLogprobs stepTop(long[] tokens, int k, int[] wanted, int perRow) {
            headSteps++;
            largestK = Math.max(largestK, k);
            float[] logits = super.step(tokens);
            int rows = tokens.length;
            float[] top = new float[rows * k];
            int[] ids = new int[rows * k];
            float[] got = new float[rows * perRow];
            for (int r = 0; r < rows; r++) {
                int off = r * vocab;
                float lse = BeamSearch.logSumExp(logits, off, vocab);
                Integer[] order = IntStream.range(0, vocab).boxed().toArray(Integer[]::new);
                Arrays.sort(order, Comparator.comparingDouble((Integer v) -> -logits[off + v]).thenComparing(v -> v));
                for (int j = 0; j < k; j++) {
                    ids[r * k + j] = order[j];
                    top[r * k + j] = logits[off + order[j]] - lse;
                }
                for (int m = 0; m < perRow; m++) {
                    got[r * perRow + m] = logits[off + wanted[r * perRow + m]] - lse;
                }
            }
            return new TopLogprobs(k, top, ids, perRow, got);
        }
    }

    @Test
    void headAndFullLogitsPickTheSameHypotheses() {
        int checked = 0;
        for (int beam : new int[]{1, 2, 5}) {
            for (int batch : new int[]{1, 3}) {
                for (int ngram : new int[]{0, 2, 3}) {
                    for (int[] len : new int[][]{{0, 8}, {3, 6}, {5, 5}}) {
                        for (float spread : new float[]{0.5f, 4f}) {
                            SearchSettings s = SearchSettings.beam(beam).withMinLen(len[0]).withMaxLen(len[1])
                                    .withNoRepeatNgram(ngram);
                            HashDecoder full = new HashDecoder(batch * beam, 23, false, spread);
                            HashDecoder head = new HashDecoder(batch * beam, 23, true, spread);
                            List<List<Hypothesis>> a = BeamSearch.search(full, batch, IDS, s, Constraint.NONE);
                            List<List<Hypothesis>> b = BeamSearch.search(head, batch, IDS, s, Constraint.NONE);
                            String where = "beam " + beam + " batch " + batch + " ngram " + ngram + " len "
                                    + Arrays.toString(len) + " spread " + spread;
                            assertEquals(0, head.fullSteps, where);
                            assertTrue(head.headSteps > 0 && head.largestK <= 23, where);
                            assertEquals(a.size(), b.size());
                            for (int i = 0; i < a.size(); i++) {
                                assertEquals(a.get(i).size(), b.get(i).size(), where);
                                for (int j = 0; j < a.get(i).size(); j++) {
                                    Hypothesis x = a.get(i).get(j);
                                    Hypothesis y = b.get(i).get(j);
                                    assertArrayEquals(x.tokens(), y.tokens(), where);
                                    assertArrayEquals(x.tokenLogprobs(), y.tokenLogprobs(), 1e-6f, where);
                                    assertEquals(x.score(), y.score(), 1e-6, where);
                                    checked++;
                                }
                            }
                        }
                    }
                }
            }
        }
        assertTrue(checked > 200, "hypotheses compared: " + checked);
    }

    @Test
    void listingConstraintsPickTheSameHypothesesThroughTheHead() {
        PrefixTrie trie = new PrefixTrie();
        trie.insert(new int[]{7, 9, 2});
        trie.insert(new int[]{7, 11, 12, 2});
        trie.insert(new int[]{4, 2});
        trie.insert(new int[]{13, 2});
        List<Constraint> constraints = List.of(Constraint.allowedRange(10, 15, IDS.eos(), 2), trie.constraint(),
                Constraint.allowedRange(0, 0, IDS.eos(), 9));   // nothing allowed until the forced eos
        int checked = 0;
        for (Constraint c : constraints) {
            for (int beam : new int[]{1, 3}) {
                for (int[] len : new int[][]{{0, 6}, {2, 4}}) {
                    SearchSettings s = SearchSettings.beam(beam).withMinLen(len[0]).withMaxLen(len[1]);
                    HashDecoder full = new HashDecoder(2 * beam, 23, false, 2f);
                    HashDecoder head = new HashDecoder(2 * beam, 23, true, 2f);
                    List<List<Hypothesis>> a = BeamSearch.search(full, 2, IDS, s, c);
                    List<List<Hypothesis>> b = BeamSearch.search(head, 2, IDS, s, c);
                    String where = c + " beam " + beam + " len " + Arrays.toString(len);
                    assertEquals(0, head.fullSteps, where);
                    for (int i = 0; i < 2; i++) {
                        assertEquals(a.get(i).size(), b.get(i).size(), where);
                        for (int j = 0; j < a.get(i).size(); j++) {
                            assertArrayEquals(a.get(i).get(j).tokens(), b.get(i).get(j).tokens(), where);
                            assertArrayEquals(a.get(i).get(j).tokenLogprobs(), b.get(i).get(j).tokenLogprobs(), 1e-5f,
                                    where);
                            checked++;
                        }
                    }
                }
            }
        }
        assertTrue(checked > 20, "hypotheses compared: " + checked);
    }

    @Test
    void aConstraintThatCannotListItsIdsGetsTheFullLogits() {
        HashDecoder head = new HashDecoder(2, 23, true, 1f);
        Constraint onlyEven = (sentence, prefix, logits, offset, vocab) -> {
            for (int v = 1; v < vocab; v += 2) {
                logits[offset + v] = Float.NEGATIVE_INFINITY;
            }
        };
        List<List<Hypothesis>> out = BeamSearch.search(head, 1, IDS, SearchSettings.beam(2).withMaxLen(4), onlyEven);
        assertEquals(0, head.headSteps);
        assertTrue(head.fullSteps > 0);
        for (int t : out.get(0).get(0).tokensWithoutEos(IDS.eos())) {
            assertEquals(0, t % 2, Arrays.toString(out.get(0).get(0).tokens()));
        }
    }

    @Test
    void idsOutsideTheVocabularyAreRefused() {
        Constraint tooBig = Constraint.listing((sentence, prefix) -> new int[]{3, 40});
        for (boolean withHead : new boolean[]{true, false}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BeamSearch.search(
                    new HashDecoder(1, 23, withHead, 1f), 1, IDS, SearchSettings.greedy(), tooBig));
            assertTrue(e.getMessage().contains("token id 40, outside the vocabulary [0, 23)"), e.getMessage());
        }
    }

    @Test
    void onStepHearsEveryDecoderCall() {
        HashDecoder head = new HashDecoder(3, 23, true, 1f);
        List<Integer> heard = new ArrayList<>();
        BeamSearch.search(head, 1, IDS, SearchSettings.beam(3).withMinLen(4).withMaxLen(4), Constraint.NONE,
                heard::add);
        assertEquals(List.of(0, 1, 2, 3, 4), heard);
        assertEquals(5, head.headSteps);
    }

    @Test
    void inconsistentTopKIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TopLogprobs(3, new float[6], new int[5], 1, new float[2]));
        assertTrue(e.getMessage().contains("6 log-probs, 5 ids"), e.getMessage());
    }
}
