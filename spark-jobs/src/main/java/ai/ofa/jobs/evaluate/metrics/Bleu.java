package ai.ofa.jobs.evaluate.metrics;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Corpus BLEU-1..4 as the COCO caption toolkit computes it: clipped n-gram matches summed over the corpus, the
 * reference length of each candidate the closest one (ties to the shorter), a brevity penalty on the corpus
 * lengths, and the toolkit's tiny constants (1e-15 on matches, 1e-9 on guesses) instead of other smoothing.
 *
 * <pre>{@code double bleu4 = Bleu.score(candidates, references)[3];}</pre>
 */
public final class Bleu {
    private static final double TINY = 1e-15;
    private static final double SMALL = 1e-9;

    private Bleu() {
    }

    /** Candidates and references are token lists (see {@link CaptionTokenizer}); one reference list per candidate. */
    public static double[] score(List<List<String>> candidates, List<List<List<String>>> references) {
        if (candidates.size() != references.size()) {
            throw new IllegalArgumentException(candidates.size() + " candidates but " + references.size()
                    + " reference lists");
        }
        double testLen = 0;
        double refLen = 0;
        double[] guess = new double[4];
        double[] correct = new double[4];
        for (int i = 0; i < candidates.size(); i++) {
            List<String> cand = candidates.get(i);
            List<Map<String, Integer>> cc = NGrams.count(cand, 4);
            List<Map<String, Integer>> maxRef = new java.util.ArrayList<>();
            for (int n = 0; n < 4; n++) {
                maxRef.add(new HashMap<>());
            }
            int closest = -1;
            for (List<String> ref : references.get(i)) {
                List<Map<String, Integer>> rc = NGrams.count(ref, 4);
                for (int n = 0; n < 4; n++) {
                    Map<String, Integer> m = maxRef.get(n);
                    rc.get(n).forEach((g, c) -> m.merge(g, c, Math::max));
                }
                int diff = Math.abs(ref.size() - cand.size());
                if (closest < 0 || diff < Math.abs(closest - cand.size())
                        || (diff == Math.abs(closest - cand.size()) && ref.size() < closest)) {
                    closest = ref.size();
                }
            }
            testLen += cand.size();
            refLen += Math.max(closest, 0);
            for (int n = 0; n < 4; n++) {
                guess[n] += Math.max(cand.size() - n, 0);
                Map<String, Integer> m = maxRef.get(n);
                for (var e : cc.get(n).entrySet()) {
                    correct[n] += Math.min(e.getValue(), m.getOrDefault(e.getKey(), 0));
                }
            }
        }
        double[] out = new double[4];
        double product = 1;
        double ratio = (testLen + TINY) / (refLen + SMALL);
        for (int n = 0; n < 4; n++) {
            product *= (correct[n] + TINY) / (guess[n] + SMALL);
            out[n] = Math.pow(product, 1.0 / (n + 1));
            if (ratio < 1) {
                out[n] *= Math.exp(1 - 1 / ratio);
            }
        }
        return out;
    }
}
