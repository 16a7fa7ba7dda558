package ai.ofa.jobs.evaluate.metrics;

import java.util.List;

/**
 * ROUGE-L as the COCO caption toolkit computes it: longest common subsequence with each reference, the best
 * precision and the best recall over the references, combined as an F-measure with beta 1.2.
 *
 * <pre>{@code double r = RougeL.score(candidateTokens, referenceTokenLists);}</pre>
 */
public final class RougeL {
    private static final double BETA = 1.2;

    private RougeL() {
    }

    public static double score(List<String> candidate, List<List<String>> references) {
        double bestPrecision = 0;
        double bestRecall = 0;
        for (List<String> ref : references) {
            int lcs = lcs(candidate, ref);
            if (!candidate.isEmpty()) {
                bestPrecision = Math.max(bestPrecision, lcs / (double) candidate.size());
            }
            if (!ref.isEmpty()) {
                bestRecall = Math.max(bestRecall, lcs / (double) ref.size());
            }
        }
        if (bestPrecision == 0 || bestRecall == 0) {
            return 0;
        }
        double b2 = BETA * BETA;
        return (1 + b2) * bestPrecision * bestRecall / (bestRecall + b2 * bestPrecision);
    }

    static int lcs(List<String> a, List<String> b) {
        int[] prev = new int[b.size() + 1];
        int[] cur = new int[b.size() + 1];
        for (int i = 1; i <= a.size(); i++) {
            for (int j = 1; j <= b.size(); j++) {
                cur[j] = a.get(i - 1).equals(b.get(j - 1)) ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.size()];
    }
}
