package ai.ofa.jobs.corpus.text;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NGramLeakageTest {
    private static final String EVAL = "A man riding a wave on top of a surfboard in the ocean near the beach today.";

    @Test
    void aSharedThirteenTokenRunLeaksWhateverTheCaseAndPunctuation() {
        Set<Long> eval = NGramLeakage.hashes(List.of(EVAL), 13);
        assertEquals(17 - 13 + 1, eval.size(), "17 tokens give 5 13-grams");
        assertTrue(NGramLeakage.leaks("Photo: a MAN riding a wave, on top of a surfboard in the ocean near the "
                + "beach!", eval, 13));
        assertFalse(NGramLeakage.leaks("a man riding a wave on top of a surfboard in the sea near the beach", eval,
                13), "one word changed in every 13-token window");
        assertFalse(NGramLeakage.leaks("a man riding a wave", eval, 13), "shorter than n: cannot leak");
        assertTrue(NGramLeakage.leaks("a man riding a wave", NGramLeakage.hashes(List.of(EVAL), 5), 5));
    }

    @Test
    void cuttingRemovesLeakedSpansAndKeepsLongEnoughPieces() {
        Set<Long> eval = NGramLeakage.hashes(List.of(EVAL), 13);
        String doc = "intro words here and there. " + EVAL + " then a long tail of other words follows it.";
        NGramLeakage.Cut c = NGramLeakage.cut(doc, eval, 13, 3);
        assertTrue(c.leaked());
        assertEquals(List.of("intro words here and there", "then a long tail of other words follows it"),
                c.pieces());
        NGramLeakage.Cut clean = NGramLeakage.cut("nothing to see", eval, 13, 3);
        assertFalse(clean.leaked());
        assertEquals(List.of("nothing to see"), clean.pieces());
        assertEquals(List.of(), NGramLeakage.cut("ok. " + EVAL, eval, 13, 3).pieces(), "a 1-token piece is dropped");
    }
}
