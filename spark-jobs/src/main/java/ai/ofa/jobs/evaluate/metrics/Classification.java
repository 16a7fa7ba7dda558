package ai.ofa.jobs.evaluate.metrics;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Top-1 accuracy with a per-class table (support, correct, precision, recall). Also the entailment accuracy.
 *
 * <pre>{@code Classification.Result r = Classification.score(predictedLabels, goldLabels);}</pre>
 */
public final class Classification {
    public record PerClass(int support, int correct, int predicted, double precision, double recall) {
    }

    public record Result(double accuracy, int total, int missing, Map<String, PerClass> perClass) {
    }

    private Classification() {
    }

    /** {@code predicted.get(i)} is null where item i has no prediction (counted wrong). */
    public static Result score(List<String> predicted, List<String> gold) {
        if (predicted.size() != gold.size()) {
            throw new IllegalArgumentException(predicted.size() + " predictions for " + gold.size() + " gold labels");
        }
        Map<String, int[]> counts = new TreeMap<>();   // support, correct, predicted
        int right = 0;
        int missing = 0;
        for (int i = 0; i < gold.size(); i++) {
            String g = gold.get(i);
            String p = predicted.get(i);
            counts.computeIfAbsent(g, k -> new int[3])[0]++;
            if (p == null) {
                missing++;
                continue;
            }
            counts.computeIfAbsent(p, k -> new int[3])[2]++;
            if (p.equals(g)) {
                right++;
                counts.get(g)[1]++;
            }
        }
        Map<String, PerClass> per = new TreeMap<>();
        counts.forEach((label, c) -> per.put(label, new PerClass(c[0], c[1], c[2],
                c[2] == 0 ? 0 : c[1] / (double) c[2], c[0] == 0 ? 0 : c[1] / (double) c[0])));
        return new Result(gold.isEmpty() ? 0 : right / (double) gold.size(), gold.size(), missing, per);
    }
}
