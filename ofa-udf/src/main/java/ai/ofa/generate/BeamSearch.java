package ai.ofa.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Batched beam search with fairseq's (and so OFA's) semantics over an {@link IncrementalDecoder} whose rows are
 * {@code batch * beam} hypotheses, sentence-major. Per step: constraint on the logits, log-softmax, pad banned,
 * eos banned before minLen and forced at maxLen, no-repeat-ngram; the best 2*beam candidates of each sentence
 * are ranked, eos among the first {@code beam} finalise a hypothesis (score = sum log-probs / length^penalty), the
 * first {@code beam} non-eos ones live on. A sentence stops when it holds {@code beam} finished hypotheses and its
 * rows are dropped from the decoder. Ties break by lower (beam, token) index, so runs are deterministic.
 *
 * <pre>{@code
 * List<List<Hypothesis>> out = BeamSearch.search(decoder, batch, ids, SearchSettings.beam(5), Constraint.NONE);
 * }</pre>
 */
public final class BeamSearch {
    /** Special ids the search needs. */
    public record Ids(int bos, int eos, int pad) {
    }

    private BeamSearch() {
    }

    private static final class Row {
        int[] tokens = new int[0];
        float[] logprobs = new float[0];
        float score;

        Row copyWith(int token, float lp, float newScore) {
            Row r = new Row();
            r.tokens = Arrays.copyOf(tokens, tokens.length + 1);
            r.tokens[tokens.length] = token;
            r.logprobs = Arrays.copyOf(logprobs, logprobs.length + 1);
            r.logprobs[logprobs.length] = lp;
            r.score = newScore;
            return r;
        }
    }

    public static List<List<Hypothesis>> search(IncrementalDecoder decoder, int batch, Ids ids, SearchSettings s,
                                                Constraint constraint) {
        int beam = s.beamSize();
        int vocab = decoder.vocabSize();
        List<List<Hypothesis>> finished = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            finished.add(new ArrayList<>());
        }
        List<Integer> active = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            active.add(i);
        }
        Row[] rows = new Row[batch * beam];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = new Row();
        }
        long[] input = new long[rows.length];
        Arrays.fill(input, ids.bos());

        for (int step = 0; step <= s.maxLen() && !active.isEmpty(); step++) {
            float[] logits = decoder.step(input);
            float[] lp = new float[logits.length];
            for (int r = 0; r < rows.length; r++) {
                int sentence = active.get(r / beam);
                constraint.apply(sentence, rows[r].tokens, logits, r * vocab, vocab);
                logSoftmax(logits, lp, r * vocab, vocab);
                adjust(lp, r * vocab, vocab, step, s, ids, rows[r].tokens);
            }
            List<Integer> nextActive = new ArrayList<>();
            List<Row> nextRows = new ArrayList<>();
            List<Integer> order = new ArrayList<>();
            for (int a = 0; a < active.size(); a++) {
                int sentence = active.get(a);
                List<int[]> cands = topCandidates(rows, lp, a, beam, vocab, step, 2 * beam);
                List<Hypothesis> done = finished.get(sentence);
                List<int[]> live = new ArrayList<>();
                for (int i = 0; i < cands.size(); i++) {
                    int[] c = cands.get(i);   // {row, token}
                    Row src = rows[c[0]];
                    float candLp = lp[c[0] * vocab + c[1]];
                    float total = src.score + candLp;
                    if (c[1] == ids.eos()) {
                        if (i < beam && total != Float.NEGATIVE_INFINITY && done.size() < beam) {
                            Row fin = src.copyWith(c[1], candLp, total);
                            double norm = s.normalizeScores() ? Math.pow(step + 1, s.lengthPenalty()) : 1.0;
                            done.add(new Hypothesis(fin.tokens, fin.logprobs, total / norm));
                        }
                    } else if (live.size() < beam) {
                        live.add(c);
                    }
                }
                if (done.size() >= beam || step == s.maxLen()) {
                    continue;   // sentence finished: its rows leave the decoder
                }
                while (live.size() < beam) {   // fewer viable candidates than beams: pad with dead copies
                    int[] filler = live.isEmpty() ? new int[]{a * beam, ids.pad()} : live.get(0);
                    live.add(new int[]{filler[0], filler[1], 1});
                }
                nextActive.add(sentence);
                for (int[] c : live) {
                    Row src = rows[c[0]];
                    float candLp = c.length > 2 ? Float.NEGATIVE_INFINITY : lp[c[0] * vocab + c[1]];
                    nextRows.add(src.copyWith(c[1], candLp, c.length > 2 ? Float.NEGATIVE_INFINITY
                            : src.score + candLp));
                    order.add(c[0]);
                }
            }
            active = nextActive;
            rows = nextRows.toArray(new Row[0]);
            if (active.isEmpty()) {
                break;
            }
            decoder.reorder(order.stream().mapToInt(Integer::intValue).toArray());
            input = new long[rows.length];
            for (int r = 0; r < rows.length; r++) {
                input[r] = rows[r].tokens[rows[r].tokens.length - 1];
            }
        }
        for (List<Hypothesis> hs : finished) {
            hs.sort((x, y) -> Double.compare(y.score(), x.score()));
        }
        return finished;
    }

    /** The best k (row, token) pairs of one sentence by cumulative score; at step 0 only the first beam row. */
    private static List<int[]> topCandidates(Row[] rows, float[] lp, int sentenceSlot, int beam, int vocab, int step,
                                             int k) {
        int firstRow = sentenceSlot * beam;
        int rowCount = step == 0 ? 1 : beam;
        // a bounded min-heap would be faster for large V; a partial selection keeps it simple and exact
        int[] bestRow = new int[k];
        int[] bestTok = new int[k];
        float[] bestScore = new float[k];
        int filled = 0;
        for (int b = 0; b < rowCount; b++) {
            int r = firstRow + b;
            float base = rows[r].score;
            int off = r * vocab;
            for (int v = 0; v < vocab; v++) {
                float sc = base + lp[off + v];
                if (sc == Float.NEGATIVE_INFINITY || Float.isNaN(sc) || (filled == k && sc <= bestScore[k - 1])) {
                    continue;
                }
                int pos = filled < k ? filled++ : k - 1;   // insertion into the sorted top-k, strict > keeps ties stable
                while (pos > 0 && bestScore[pos - 1] < sc) {
                    bestScore[pos] = bestScore[pos - 1];
                    bestRow[pos] = bestRow[pos - 1];
                    bestTok[pos] = bestTok[pos - 1];
                    pos--;
                }
                bestScore[pos] = sc;
                bestRow[pos] = r;
                bestTok[pos] = v;
            }
        }
        List<int[]> out = new ArrayList<>(filled);
        for (int i = 0; i < filled; i++) {
            out.add(new int[]{bestRow[i], bestTok[i]});
        }
        return out;
    }

    /** Numerically stable log-softmax of one row into out[offset..]; an all -inf row stays all -inf. */
    public static void logSoftmax(float[] logits, float[] out, int offset, int n) {
        float lse = logSumExp(logits, offset, n);
        if (lse == Float.NEGATIVE_INFINITY) {
            Arrays.fill(out, offset, offset + n, Float.NEGATIVE_INFINITY);
            return;
        }
        for (int i = 0; i < n; i++) {
            out[offset + i] = logits[offset + i] - lse;
        }
    }

    /** log(sum(exp(x))) of one row, computed around its maximum; -inf for an all -inf row. */
    public static float logSumExp(float[] x, int offset, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[offset + i]);
        }
        if (max == Float.NEGATIVE_INFINITY) {
            return max;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(x[offset + i] - max);
        }
        return (float) (max + Math.log(sum));
    }

    private static void adjust(float[] lp, int off, int vocab, int step, SearchSettings s, Ids ids, int[] prefix) {
        lp[off + ids.pad()] = Float.NEGATIVE_INFINITY;
        if (step >= s.maxLen()) {
            float eos = lp[off + ids.eos()];
            Arrays.fill(lp, off, off + vocab, Float.NEGATIVE_INFINITY);
            lp[off + ids.eos()] = eos == Float.NEGATIVE_INFINITY ? 0f : eos;
        } else if (step < s.minLen()) {
            lp[off + ids.eos()] = Float.NEGATIVE_INFINITY;
        }
        int n = s.noRepeatNgram();
        if (n > 0 && step + 2 - n >= 0) {
            for (int banned : bannedTokens(ids.bos(), prefix, n)) {
                lp[off + banned] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    /** Tokens that would repeat an n-gram of bos + prefix (fairseq's NGramRepeatBlock). */
    static Set<Integer> bannedTokens(int bos, int[] prefix, int n) {
        int[] seq = new int[prefix.length + 1];
        seq[0] = bos;
        System.arraycopy(prefix, 0, seq, 1, prefix.length);
        Map<List<Integer>, Set<Integer>> seen = new HashMap<>();
        for (int i = 0; i + n <= seq.length; i++) {
            List<Integer> key = new ArrayList<>(n - 1);
            for (int j = 0; j < n - 1; j++) {
                key.add(seq[i + j]);
            }
            seen.computeIfAbsent(key, x -> new HashSet<>()).add(seq[i + n - 1]);
        }
        List<Integer> tail = new ArrayList<>(n - 1);
        for (int j = seq.length - (n - 1); j < seq.length; j++) {
            tail.add(seq[j]);
        }
        return seen.getOrDefault(tail, Set.of());
    }
}
