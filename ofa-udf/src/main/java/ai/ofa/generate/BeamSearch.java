package ai.ofa.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;

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
        return search(decoder, batch, ids, s, constraint, step -> { });
    }

    /**
     * As {@link #search(IncrementalDecoder, int, Ids, SearchSettings, Constraint)}; {@code onStep} hears each step
     * number just before its decoder call (benchmarks time the steps with it). When the decoder has a search head,
     * unconstrained steps and steps of a constraint that lists its allowed ids go through it: the same candidates,
     * without copying a vocabulary row per hypothesis; other constraints get the full logits.
     */
    public static List<List<Hypothesis>> search(IncrementalDecoder decoder, int batch, Ids ids, SearchSettings s,
                                                Constraint constraint, IntConsumer onStep) {
        int beam = s.beamSize();
        int vocab = decoder.vocabSize();
        boolean useHead = decoder.hasSearchHead();
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
            int rowsUsed = step == 0 ? 1 : beam;   // at step 0 every beam of a sentence is the same bos row
            RowRule[] rules = new RowRule[rows.length];
            int mostBanned = 0;
            for (int r = 0; r < rows.length; r++) {
                if (r % beam < rowsUsed) {
                    rules[r] = RowRule.of(rows[r].tokens, step, s, ids);
                    mostBanned = Math.max(mostBanned, rules[r].banned().length);
                }
            }
            int[][] allowed = new int[rows.length][];
            boolean viaHead = useHead;
            if (viaHead && constraint != Constraint.NONE) {
                for (int r = 0; r < rows.length && viaHead; r++) {
                    if (rules[r] != null) {
                        allowed[r] = constraint.allowedIds(active.get(r / beam), rows[r].tokens);
                        viaHead = allowed[r] != null;
                        if (viaHead) {
                            checkInVocabulary(allowed[r], vocab);
                        }
                    }
                }
            }
            onStep.accept(step);
            Candidate[][] perRow = new Candidate[rows.length][];
            if (viaHead) {
                int perRowWanted = 1;
                for (int[] a : allowed) {
                    perRowWanted = Math.max(perRowWanted, a == null ? 0 : a.length);
                }
                int[] wanted = new int[rows.length * perRowWanted];
                Arrays.fill(wanted, ids.eos());   // padding (and the eos log-prob a forced last step needs)
                for (int r = 0; r < rows.length; r++) {
                    if (allowed[r] != null) {
                        System.arraycopy(allowed[r], 0, wanted, r * perRowWanted, allowed[r].length);
                    }
                }
                int k = constraint == Constraint.NONE ? Math.min(vocab, 2 * beam + mostBanned) : 1;
                TopLogprobs top = decoder.stepTop(input, k, wanted, perRowWanted);
                for (int r = 0; r < rows.length; r++) {
                    if (rules[r] != null) {
                        perRow[r] = allowed[r] == null ? fromTop(top, r, rules[r], 2 * beam, ids.eos())
                                : fromAllowed(top, r, allowed[r], rules[r], 2 * beam, ids.eos());
                    }
                }
            } else {
                float[] logits = decoder.step(input);
                for (int r = 0; r < rows.length; r++) {
                    if (rules[r] != null) {
                        constraint.apply(active.get(r / beam), rows[r].tokens, logits, r * vocab, vocab);
                        perRow[r] = fromLogits(logits, r * vocab, vocab, rules[r], 2 * beam, ids.eos());
                    }
                }
            }
            List<Integer> nextActive = new ArrayList<>();
            List<Row> nextRows = new ArrayList<>();
            List<Integer> order = new ArrayList<>();
            for (int a = 0; a < active.size(); a++) {
                int sentence = active.get(a);
                List<Candidate> cands = topCandidates(rows, perRow, a * beam, rowsUsed, 2 * beam);
                List<Hypothesis> done = finished.get(sentence);
                List<Candidate> live = new ArrayList<>();
                for (int i = 0; i < cands.size(); i++) {
                    Candidate c = cands.get(i);
                    Row src = rows[c.row()];
                    float total = src.score + c.logprob();
                    if (c.token() == ids.eos()) {
                        if (i < beam && total != Float.NEGATIVE_INFINITY && done.size() < beam) {
                            Row fin = src.copyWith(c.token(), c.logprob(), total);
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
                    Candidate filler = live.isEmpty() ? new Candidate(a * beam, ids.pad(), 0f) : live.get(0);
                    live.add(new Candidate(filler.row(), filler.token(), Float.NEGATIVE_INFINITY));
                }
                nextActive.add(sentence);
                for (Candidate c : live) {
                    Row src = rows[c.row()];
                    nextRows.add(src.copyWith(c.token(), c.logprob(), c.logprob() == Float.NEGATIVE_INFINITY
                            ? Float.NEGATIVE_INFINITY : src.score + c.logprob()));
                    order.add(c.row());
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

    static void checkInVocabulary(int[] ids, int vocab) {
        for (int id : ids) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("Constraint allows token id " + id + ", outside the vocabulary [0, "
                        + vocab + ")");
            }
        }
    }

    /** A possible next token of one row with its log-prob. */
    private record Candidate(int row, int token, float logprob) {
    }

    /**
     * What fairseq does to a row's log-probs after the log-softmax: pad never, eos not before minLen, only eos at
     * maxLen (log-prob 0 if it was -inf), and no token that repeats an n-gram. Banned ids are sorted.
     */
    private record RowRule(int[] banned, boolean forceEos) {
        static RowRule of(int[] prefix, int step, SearchSettings s, Ids ids) {
            Set<Integer> banned = new HashSet<>();
            banned.add(ids.pad());
            boolean force = step >= s.maxLen();
            if (!force && step < s.minLen()) {
                banned.add(ids.eos());
            }
            int n = s.noRepeatNgram();
            if (n > 0 && step + 2 - n >= 0) {
                banned.addAll(bannedTokens(ids.bos(), prefix, n));
            }
            return new RowRule(banned.stream().mapToInt(Integer::intValue).sorted().toArray(), force);
        }

        boolean bans(int token) {
            return Arrays.binarySearch(banned, token) >= 0;
        }
    }

    /** The row's best {@code want} allowed tokens from its logits (constraint already applied): logit - logsumexp. */
    private static Candidate[] fromLogits(float[] logits, int off, int vocab, RowRule rule, int want, int eos) {
        float lse = logSumExp(logits, off, vocab);
        if (rule.forceEos()) {
            float lp = lse == Float.NEGATIVE_INFINITY ? Float.NEGATIVE_INFINITY : logits[off + eos] - lse;
            return forcedEos(rule, eos, lp);
        }
        if (lse == Float.NEGATIVE_INFINITY || Float.isNaN(lse)) {
            return new Candidate[0];
        }
        Best best = new Best(want);
        for (int v = 0; v < vocab; v++) {
            float x = logits[off + v];
            if (x != Float.NEGATIVE_INFINITY && !Float.isNaN(x) && best.wouldTake(x) && !rule.bans(v)) {
                best.offer(v, x);
            }
        }
        return best.candidates((float) -lse);
    }

    /** The row's best {@code want} allowed tokens from the search head's top-k (k covers every banned id). */
    private static Candidate[] fromTop(TopLogprobs top, int r, RowRule rule, int want, int eos) {
        if (rule.forceEos()) {
            return forcedEos(rule, eos, top.wanted()[r * top.perRow()]);
        }
        List<Candidate> out = new ArrayList<>(want);
        for (int j = 0; j < top.k() && out.size() < want; j++) {
            float lp = top.logprobs()[r * top.k() + j];
            int id = top.ids()[r * top.k() + j];
            if (lp != Float.NEGATIVE_INFINITY && !Float.isNaN(lp) && !rule.bans(id)) {
                out.add(new Candidate(-1, id, lp));
            }
        }
        return out.toArray(new Candidate[0]);
    }

    /**
     * The row's best {@code want} tokens among the constraint's {@code allowed} ids (ascending), renormalised over
     * them: the same log-probs as a log-softmax of the masked logits, from the head's full-vocabulary log-probs.
     */
    private static Candidate[] fromAllowed(TopLogprobs top, int r, int[] allowed, RowRule rule, int want, int eos) {
        float[] lp = top.wanted();
        int base = r * top.perRow();
        float lse = logSumExp(lp, base, allowed.length);   // the allowed ids' share of the full distribution
        if (rule.forceEos()) {
            int at = Arrays.binarySearch(allowed, eos);
            float eosLp = at < 0 || lse == Float.NEGATIVE_INFINITY ? Float.NEGATIVE_INFINITY : lp[base + at] - lse;
            return forcedEos(rule, eos, eosLp);
        }
        if (lse == Float.NEGATIVE_INFINITY || Float.isNaN(lse)) {
            return new Candidate[0];
        }
        Best best = new Best(want);
        for (int j = 0; j < allowed.length; j++) {   // ascending ids, so ties keep the lower id first
            float v = lp[base + j] - lse;
            if (v != Float.NEGATIVE_INFINITY && !Float.isNaN(v) && best.wouldTake(v) && !rule.bans(allowed[j])) {
                best.offer(allowed[j], v);
            }
        }
        return best.candidates(0f);
    }

    /** The best n (id, value) pairs offered, highest first; offers come in id order, so ties keep lower ids first. */
    private static final class Best {
        private final int[] ids;
        private final float[] values;
        private int filled;

        Best(int n) {
            ids = new int[n];
            values = new float[n];
        }

        boolean wouldTake(float value) {
            return filled < values.length || value > values[values.length - 1];
        }

        void offer(int id, float value) {
            int pos = filled < values.length ? filled++ : values.length - 1;   // strict > below: stable on ties
            while (pos > 0 && values[pos - 1] < value) {
                values[pos] = values[pos - 1];
                ids[pos] = ids[pos - 1];
                pos--;
            }
            values[pos] = value;
            ids[pos] = id;
        }

        /** The pairs as candidates (row unset) with log-prob value + shift. */
        Candidate[] candidates(float shift) {
            Candidate[] out = new Candidate[filled];
            for (int i = 0; i < filled; i++) {
                out[i] = new Candidate(-1, ids[i], values[i] + shift);
            }
            return out;
        }
    }

    private static Candidate[] forcedEos(RowRule rule, int eos, float lp) {
        if (rule.bans(eos)) {
            return new Candidate[0];
        }
        return new Candidate[]{new Candidate(-1, eos, lp == Float.NEGATIVE_INFINITY ? 0f : lp)};
    }

    /**
     * The best k (row, token) pairs of one sentence by cumulative score, from each row's own best candidates;
     * ties break by lower row, then lower token.
     */
    private static List<Candidate> topCandidates(Row[] rows, Candidate[][] perRow, int firstRow, int rowCount,
                                                 int k) {
        List<Candidate> all = new ArrayList<>();
        for (int b = 0; b < rowCount; b++) {
            int r = firstRow + b;
            for (Candidate c : perRow[r]) {
                float sc = rows[r].score + c.logprob();
                if (sc != Float.NEGATIVE_INFINITY && !Float.isNaN(sc)) {
                    all.add(new Candidate(r, c.token(), c.logprob()));
                }
            }
        }
        all.sort((x, y) -> {
            int byScore = Float.compare(rows[y.row()].score + y.logprob(), rows[x.row()].score + x.logprob());
            if (byScore != 0) {
                return byScore;
            }
            return x.row() != y.row() ? Integer.compare(x.row(), y.row()) : Integer.compare(x.token(), y.token());
        });
        return all.subList(0, Math.min(k, all.size()));
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
            float xi = x[offset + i];
            if (xi != Float.NEGATIVE_INFINITY) {   // constrained rows are mostly -inf: skip the exp
                sum += Math.exp(xi - max);
            }
        }
        return (float) (max + Math.log(sum));
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
