package ai.ofa.jobs.corpus.text;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Span masking, as properties over random texts: the kept words are the original's in order, each {@code <mask>}
 * stands for a run of one or more consecutive words (never two masks in a row), exactly round(30%) of the words
 * (at least one) are masked, the same seed gives the same masking, and spans are longer than one word on average
 * (Poisson of mean 3).
 */
class TextInfillingTest {
    @Test
    void nullAndEmptyTextsPassThrough() {
        assertNull(TextInfilling.mask(null, 1));
        assertEquals("", TextInfilling.mask("", 1));
        assertEquals("   ", TextInfilling.mask("   ", 1));
        assertEquals(TextInfilling.MASK, TextInfilling.mask("word", 1));
    }

    @Test
    void maskedTextsKeepTheRestInOrderAndMaskThirtyPercentInSpans() {
        Random rnd = new Random(11);
        long spans = 0;
        long maskedWords = 0;
        for (int trial = 0; trial < 400; trial++) {
            int n = 1 + rnd.nextInt(60);
            List<String> words = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                words.add("w" + i);
            }
            String text = "  " + String.join(rnd.nextBoolean() ? " " : " \t ", words) + " ";
            long seed = rnd.nextLong();
            String out = TextInfilling.mask(text, seed);
            assertEquals(out, TextInfilling.mask(text, seed), "same seed, same masking");
            String[] tokens = out.split(" ");
            int at = 0;
            int masked = 0;
            for (int k = 0; k < tokens.length; k++) {
                if (tokens[k].equals(TextInfilling.MASK)) {
                    assertTrue(k == 0 || !tokens[k - 1].equals(TextInfilling.MASK), "two masks in a row: " + out);
                    // the span ends before the next kept word (or at the end)
                    int next = k + 1 < tokens.length ? words.indexOf(tokens[k + 1]) : n;
                    assertTrue(next > at, "a mask must stand for at least one word: " + out);
                    masked += next - at;
                    at = next;
                    spans++;
                } else {
                    assertEquals(words.get(at), tokens[k], "kept words in order: " + out);
                    at++;
                }
            }
            assertEquals(n, at, "every word kept or masked: " + out);
            assertEquals(Math.max(1, Math.round(n * 0.3)), masked, "masked words of " + n + ": " + out);
            maskedWords += masked;
        }
        double meanSpan = maskedWords / (double) spans;
        System.out.printf("[infilling] %d spans, mean %.2f words%n", spans, meanSpan);
        assertTrue(meanSpan > 2 && meanSpan < 5, "mean span " + meanSpan + " words (Poisson 3, merged, capped)");
    }

    @Test
    void differentSeedsMaskDifferently() {
        String text = "one two three four five six seven eight nine ten eleven twelve";
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (long seed = 0; seed < 20; seed++) {
            seen.add(TextInfilling.mask(text, seed));
        }
        assertTrue(seen.size() >= 10, seen.size() + " distinct maskings over 20 seeds");
    }
}
