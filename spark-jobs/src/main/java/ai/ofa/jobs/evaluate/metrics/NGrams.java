package ai.ofa.jobs.evaluate.metrics;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Counts of the n-grams (n = 1..maxN) of a token list, keyed by the n-gram joined with single spaces. */
final class NGrams {
    private NGrams() {
    }

    /** {@code counts.get(n - 1)} holds the n-grams of length n. */
    static List<Map<String, Integer>> count(List<String> tokens, int maxN) {
        List<Map<String, Integer>> out = new java.util.ArrayList<>();
        for (int n = 1; n <= maxN; n++) {
            Map<String, Integer> c = new HashMap<>();
            for (int i = 0; i + n <= tokens.size(); i++) {
                c.merge(String.join(" ", tokens.subList(i, i + n)), 1, Integer::sum);
            }
            out.add(c);
        }
        return out;
    }
}
