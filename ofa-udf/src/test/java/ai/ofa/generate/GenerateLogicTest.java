package ai.ofa.generate;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The small pieces of the search, value by value: hypotheses without eos, range and trie constraints (which ids
 * survive the mask, when eos is allowed), settings withers, top-k shapes, the code range. Written after PIT's
 * survivors in this package ({@code scripts/mutation.sh generate}).
 */
class GenerateLogicTest {
    @Test
    void tokensWithoutEosDropsOnlyAFinalEos() {
        Hypothesis h = new Hypothesis(new int[]{5, 2, 7, 2}, new float[]{-1, -2, -3, -4}, -2.5);
        assertArrayEquals(new int[]{5, 2, 7}, h.tokensWithoutEos(2));
        assertArrayEquals(new int[]{5, 2, 7, 2}, h.tokensWithoutEos(9));
        assertArrayEquals(new int[]{5}, new Hypothesis(new int[]{5}, new float[]{-1}, 0).tokensWithoutEos(2));
        assertArrayEquals(new int[]{}, new Hypothesis(new int[]{2}, new float[]{-1}, 0).tokensWithoutEos(2));
        assertArrayEquals(new int[]{}, new Hypothesis(new int[]{}, new float[]{}, 0).tokensWithoutEos(2));
        assertEquals(-10, h.sumLogprob(), 0);
    }

    @Test
    void allowedRangeKeepsTheRangeAndAddsEosOnlyAfterEnoughTokens() {
        Constraint c = Constraint.allowedRange(10, 14, 2, 2);
        assertArrayEquals(new int[]{10, 11, 12, 13}, c.allowedIds(0, new int[]{}));
        assertArrayEquals(new int[]{10, 11, 12, 13}, c.allowedIds(0, new int[]{10}));
        assertArrayEquals(new int[]{2, 10, 11, 12, 13}, c.allowedIds(0, new int[]{10, 11}));
        assertArrayEquals(new int[]{2, 10, 11, 12, 13}, c.allowedIds(0, new int[]{10, 11, 12}));
        // eos inside the range: listed once
        Constraint inside = Constraint.allowedRange(0, 4, 2, 0);
        assertArrayEquals(new int[]{0, 1, 2, 3}, inside.allowedIds(0, new int[]{}));
        assertArrayEquals(new int[]{2, 3, 4}, Constraint.allowedRange(2, 5, 2, 0).allowedIds(0, new int[]{}),
                "eos at the start of the range is inside it");
        // eos exactly at the end of the range is outside it
        assertArrayEquals(new int[]{10, 11, 12, 13, 14}, Constraint.allowedRange(10, 14, 14, 0)
                .allowedIds(0, new int[]{}));
        assertArrayEquals(new int[]{9, 10, 11, 12, 13}, Constraint.allowedRange(10, 14, 9, 0)
                .allowedIds(0, new int[]{}));

        float[] logits = new float[3 + 16];
        Arrays.fill(logits, 1f);
        c.apply(0, new int[]{1, 1}, logits, 3, 16);
        for (int v = 0; v < 16; v++) {
            boolean kept = v == 2 || (v >= 10 && v < 14);
            assertEquals(kept ? 1f : Float.NEGATIVE_INFINITY, logits[3 + v], "id " + v);
        }
        assertEquals(1f, logits[0], "before the row's offset untouched");
    }

    @Test
    void listingRefusesUnsortedIdsAndIdsOutsideTheVocabulary() {
        Constraint unsorted = Constraint.listing((s, p) -> new int[]{3, 3});
        assertThrows(IllegalArgumentException.class, () -> unsorted.allowedIds(0, new int[]{}));
        Constraint outside = Constraint.listing((s, p) -> new int[]{1, 16});
        assertThrows(IllegalArgumentException.class, () -> outside.apply(0, new int[]{}, new float[16], 0, 16));
        Constraint last = Constraint.listing((s, p) -> new int[]{0, 15});
        float[] row = new float[16];
        last.apply(0, new int[]{}, row, 0, 16);
        assertEquals(0f, row[15]);
        assertEquals(Float.NEGATIVE_INFINITY, row[14]);
        assertNull(Constraint.NONE.allowedIds(0, new int[]{}));
    }

    @Test
    void trieAllowsOnlyTheChildrenOfTheReachedNode() {
        PrefixTrie t = new PrefixTrie();
        t.insert(new int[]{5, 6, 2});
        t.insert(new int[]{5, 7, 2});
        t.insert(new int[]{8, 2});
        assertEquals(3, t.size());
        assertEquals(List.of(5, 8), t.next(new int[]{}).stream().sorted().toList());
        assertEquals(List.of(6, 7), t.next(new int[]{5}).stream().sorted().toList());
        assertEquals(List.of(2), t.next(new int[]{5, 7}));
        assertEquals(List.of(), t.next(new int[]{9}));
        assertEquals(List.of(), t.next(new int[]{5, 6, 2}));
        assertArrayEquals(new int[]{6, 7}, t.constraint().allowedIds(0, new int[]{5}));
    }

    @Test
    void settingsWithersChangeOneFieldAndValidate() {
        SearchSettings s = SearchSettings.beam(5).withMaxLen(8).withMinLen(3).withNoRepeatNgram(2)
                .withLengthPenalty(0.5);
        assertEquals(new SearchSettings(5, 8, 3, 2, 0.5, true), s);
        assertEquals(new SearchSettings(2, 8, 3, 2, 0.5, true), s.withBeam(2));
        assertEquals(2, s.withMaxLen(2).minLen(), "min length follows a shorter max length");
        assertEquals(1, SearchSettings.greedy().beamSize());
        assertThrows(IllegalArgumentException.class, () -> s.withBeam(0));
        assertThrows(IllegalArgumentException.class, () -> s.withMaxLen(0));
        assertThrows(IllegalArgumentException.class, () -> s.withMinLen(9));
        assertThrows(IllegalArgumentException.class, () -> s.withMinLen(-1));
        assertThrows(IllegalArgumentException.class, () -> s.withNoRepeatNgram(-1));
    }

    @Test
    void topLogprobsRowsAndShapeChecks() {
        TopLogprobs t = new TopLogprobs(2, new float[6], new int[6], 1, new float[3]);
        assertEquals(3, t.rows());
        assertEquals(1, new TopLogprobs(6, new float[6], new int[6], 0, new float[0]).rows());
        assertThrows(IllegalArgumentException.class, () -> new TopLogprobs(4, new float[6], new int[6], 0,
                new float[0]));
        assertThrows(IllegalArgumentException.class, () -> new TopLogprobs(2, new float[6], new int[4], 0,
                new float[0]));
        assertThrows(IllegalArgumentException.class, () -> new TopLogprobs(2, new float[6], new int[6], 1,
                new float[2]));
    }

    @Test
    void codeRangeHoldsTheCodesAsOneBlockPlusTheSpecials() {
        CodeSampler.CodeRange r = CodeSampler.CodeRange.of(10, 4, 2, 3, 0, 2, 1);
        assertArrayEquals(new int[]{0, 1, 2, 3, 10, 11, 12, 13}, r.normalizedIds());
        assertEquals(10, r.firstCode());
        assertEquals(4, r.numCodes());
        assertEquals(4, r.codeOffset());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new CodeSampler.CodeRange(new int[]{2, 10, 12}, 10, 2, 2)).getMessage().contains("one block"));
        assertThrows(IllegalArgumentException.class, () -> new CodeSampler.CodeRange(new int[]{10, 11}, 10, 2, 2));
        assertThrows(IllegalArgumentException.class, () -> new CodeSampler.CodeRange(new int[]{2, 2, 10}, 10, 1, 2));
    }
}
