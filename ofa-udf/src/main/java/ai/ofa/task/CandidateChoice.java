package ai.ofa.task;

import ai.ofa.generate.PrefixTrie;
import ai.ofa.generate.SearchSettings;
import ai.ofa.model.EncodedBatch;
import ai.ofa.model.OfaModel;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Choosing among candidate texts (labels, answers, yes/no/maybe), the two ways OFA does: ALL_CANDIDATES teacher-
 * forces every candidate once the image is encoded and takes the highest sum of log-probs (eos included); TRIE runs
 * beam search constrained to a prefix trie of the candidates. The result's {@code label}/{@code answer} is the
 * chosen candidate, {@code probability} its share of the candidates' total probability.
 */
final class CandidateChoice {
    enum Mode { ALL_CANDIDATES, TRIE }

    private CandidateChoice() {
    }

    static List<Outcome<OfaResult>> choose(OfaModel model, List<byte[]> images, IntFunction<String> prompt,
                                           List<String> candidates, int size, Mode mode, SearchSettings trieSettings) {
        if (candidates == null || candidates.isEmpty()) {
            throw new IllegalArgumentException("At least one candidate (label or answer) is needed");
        }
        List<int[]> ids = new ArrayList<>();
        for (String c : candidates) {
            if (c == null || c.isBlank()) {
                throw new IllegalArgumentException("Empty candidate in " + candidates);
            }
            ids.add(TaskSupport.candidateIds(model, c));
        }
        List<Outcome<OfaResult>> out = new ArrayList<>();
        List<Prepared> items = TaskSupport.prepare(model, images, prompt, out);
        if (items.isEmpty()) {
            return out;
        }
        if (mode == Mode.TRIE) {
            PrefixTrie trie = new PrefixTrie();
            ids.forEach(trie::insert);
            TaskSupport.generate(model, items, size, trieSettings, trie.constraint(), (p, h) -> {
                String text = TaskSupport.text(model, h);
                String chosen = matchCandidate(text, candidates);
                return OfaResult.ofText(text, h.tokens(), h.tokenLogprobs(), h.score()).withLabel(chosen)
                        .withAnswer(chosen);
            }, out);
            return out;
        }
        List<List<int[]>> perItem = new ArrayList<>();
        items.forEach(p -> perItem.add(ids));
        List<float[][]> scores;
        try (EncodedBatch enc = TaskSupport.encode(model, items, size)) {
            scores = TaskSupport.scoreCandidates(model, enc, perItem);
        }
        for (int k = 0; k < items.size(); k++) {
            float[][] s = scores.get(k);
            int best = 0;
            double[] sums = new double[s.length];
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < s.length; c++) {
                sums[c] = TaskSupport.sum(s[c]);
                if (sums[c] > sums[best]) {
                    best = c;
                }
                max = Math.max(max, sums[c]);
            }
            double total = 0;
            for (double v : sums) {
                total += Math.exp(v - max);
            }
            String chosen = candidates.get(best);
            out.set(items.get(k).index(), Outcome.ok(OfaResult.ofText(chosen, ids.get(best), s[best], sums[best])
                    .withLabel(chosen).withAnswer(chosen).withProbability(Math.exp(sums[best] - max) / total)));
        }
        return out;
    }

    private static String matchCandidate(String text, List<String> candidates) {
        for (String c : candidates) {
            if (c.trim().equals(text.trim())) {
                return c;
            }
        }
        return text;
    }
}
