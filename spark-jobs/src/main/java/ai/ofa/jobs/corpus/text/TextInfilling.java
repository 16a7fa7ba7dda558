package ai.ofa.jobs.corpus.text;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Text-infilling inputs in the style of OFA's (BART's) span masking: about 30% of the words, in spans whose
 * lengths follow a Poisson law of mean 3, each span replaced by one {@code <mask>}. The target is the original text;
 * the prompt is {@code  what is the complete text of " MASKED "?}. Deterministic for a seed, so reruns agree.
 *
 * <pre>{@code String masked = TextInfilling.mask("the quick brown fox jumps over the lazy dog", 7L);}</pre>
 */
public final class TextInfilling {
    public static final String MASK = "<mask>";
    static final double MASK_RATIO = 0.3;
    static final double MEAN_SPAN = 3.0;

    private TextInfilling() {
    }

    public static String mask(String text, long seed) {
        if (text == null) {
            return null;
        }
        String[] words = text.strip().split("\\s+");
        int n = words.length;
        if (n == 0 || words[0].isEmpty()) {
            return text;
        }
        int toMask = Math.max(1, (int) Math.round(n * MASK_RATIO));
        boolean[] masked = new boolean[n];
        SplittableRandom random = new SplittableRandom(seed);
        int done = 0;
        for (int tries = 0; done < toMask && tries < 4 * n; tries++) {
            int len = Math.min(Math.max(1, poisson(random)), toMask - done);
            int start = random.nextInt(n);
            for (int i = start; i < Math.min(n, start + len); i++) {
                if (!masked[i]) {
                    masked[i] = true;
                    done++;
                }
            }
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (!masked[i]) {
                out.add(words[i]);
            } else if (i == 0 || !masked[i - 1]) {
                out.add(MASK);
            }
        }
        return String.join(" ", out);
    }

    /** Knuth's method; fine for a mean of 3. */
    private static int poisson(SplittableRandom random) {
        double limit = Math.exp(-MEAN_SPAN);
        double p = 1;
        int k = 0;
        do {
            k++;
            p *= random.nextDouble();
        } while (p > limit);
        return k - 1;
    }
}
