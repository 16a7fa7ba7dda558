package ai.ofa.jobs.evaluate.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * CIDEr-D as the COCO caption toolkit computes it: TF-IDF vectors of 1..4-grams with document frequencies taken
 * over the evaluated images' references, clipped candidate counts, a Gaussian penalty (sigma 6) on the length
 * difference, averaged over n and over references, times 10. Returns the corpus mean and per-image scores.
 *
 * <pre>{@code CiderD.Result r = CiderD.score(candidates, references);  // r.mean(), r.perImage()}</pre>
 */
public final class CiderD {
    private static final int N = 4;
    private static final double SIGMA = 6.0;

    public record Result(double mean, double[] perImage) {
    }

    private record Vec(List<Map<String, Double>> tfidf, double[] norm, int length) {
    }

    private CiderD() {
    }

    public static Result score(List<List<String>> candidates, List<List<List<String>>> references) {
        if (candidates.size() != references.size()) {
            throw new IllegalArgumentException(candidates.size() + " candidates but " + references.size()
                    + " reference lists");
        }
        Map<String, Integer> df = new HashMap<>();
        for (List<List<String>> refs : references) {
            Set<String> seen = new HashSet<>();
            for (List<String> ref : refs) {
                for (Map<String, Integer> c : NGrams.count(ref, N)) {
                    seen.addAll(c.keySet());
                }
            }
            seen.forEach(g -> df.merge(g, 1, Integer::sum));
        }
        double logImages = Math.log(Math.max(1, references.size()));
        double[] per = new double[candidates.size()];
        double sum = 0;
        for (int i = 0; i < candidates.size(); i++) {
            Vec cand = vec(candidates.get(i), df, logImages);
            double[] acc = new double[N];
            for (List<String> ref : references.get(i)) {
                Vec r = vec(ref, df, logImages);
                double delta = cand.length() - r.length();
                for (int n = 0; n < N; n++) {
                    double v = 0;
                    for (var e : cand.tfidf().get(n).entrySet()) {
                        double rv = r.tfidf().get(n).getOrDefault(e.getKey(), 0.0);
                        v += Math.min(e.getValue(), rv) * rv;
                    }
                    if (cand.norm()[n] != 0 && r.norm()[n] != 0) {
                        v /= cand.norm()[n] * r.norm()[n];
                    }
                    acc[n] += v * Math.exp(-(delta * delta) / (2 * SIGMA * SIGMA));
                }
            }
            double mean = 0;
            for (double a : acc) {
                mean += a / N;
            }
            per[i] = references.get(i).isEmpty() ? 0 : mean / references.get(i).size() * 10.0;
            sum += per[i];
        }
        return new Result(candidates.isEmpty() ? 0 : sum / candidates.size(), per);
    }

    /** The toolkit's length is the number of bigrams (its counts2vec counts n == 1, i.e. 2-grams). */
    private static Vec vec(List<String> tokens, Map<String, Integer> df, double logImages) {
        List<Map<String, Integer>> counts = NGrams.count(tokens, N);
        List<Map<String, Double>> tfidf = new ArrayList<>();
        double[] norm = new double[N];
        int length = 0;
        for (int n = 0; n < N; n++) {
            Map<String, Double> v = new HashMap<>();
            for (var e : counts.get(n).entrySet()) {
                double w = e.getValue() * (logImages - Math.log(Math.max(1.0, df.getOrDefault(e.getKey(), 0))));
                v.put(e.getKey(), w);
                norm[n] += w * w;
                if (n == 1) {
                    length += e.getValue();
                }
            }
            norm[n] = Math.sqrt(norm[n]);
            tfidf.add(v);
        }
        return new Vec(tfidf, norm, length);
    }
}
