package ai.ofa.jobs.evaluate.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** BLEU, CIDEr-D, ROUGE-L and the tokenisation, on cases computed by hand (the derivations are in the comments). */
class CaptionMetricsTest {
    private static List<String> t(String s) {
        return CaptionTokenizer.tokenize(s);
    }

    @Test
    void tokenisationLowercasesSplitsCliticsAndDropsPunctuation() {
        assertEquals(List.of("a", "man", "'s", "black-and-white", "dog", "does", "n't", "run", "3.5", "km"),
                t("A man's black-and-white dog, doesn't run 3.5 km!"));
        assertEquals(List.of("two", "cats", "on", "a", "sofa"), t("Two cats (on a sofa)."));
        assertEquals(List.of(), t("  ...  "));
    }

    @Test
    void bleuOnTheClassicPair() {
        // cand "the cat sat on the mat" vs ref "the cat is on the mat": clipped matches 5/6, 3/5, 1/4, 0/3
        double[] b = Bleu.score(List.of(t("the cat sat on the mat")), List.of(List.of(t("the cat is on the mat"))));
        assertEquals(5.0 / 6, b[0], 1e-6);
        assertEquals(Math.sqrt(5.0 / 6 * 3.0 / 5), b[1], 1e-6);
        assertEquals(0.5, b[2], 1e-6);                       // (5/6 * 3/5 * 1/4)^(1/3) = 0.125^(1/3)
        assertEquals(0, b[3], 1e-3, "no 4-gram matches: only the toolkit's 1e-15 is left");
    }

    @Test
    void bleuBrevityPenaltyAndClosestReferenceLength() {
        // 2 tokens against 6: BLEU-1 = 1 * exp(1 - 6/2)
        assertEquals(Math.exp(-2), Bleu.score(List.of(t("the cat")),
                List.of(List.of(t("the cat sat on the mat"))))[0], 1e-6);
        // 3 tokens, references of 1 and 5 tokens: equally close, the shorter wins, so no penalty
        assertEquals(1.0, Bleu.score(List.of(t("a b c")), List.of(List.of(t("a"), t("a b c d e"))))[0], 1e-6);
        // corpus level: matches and lengths are summed before dividing
        double[] two = Bleu.score(List.of(t("a b"), t("c d")), List.of(List.of(t("a b")), List.of(t("c x"))));
        assertEquals(3.0 / 4, two[0], 1e-6);
    }

    @Test
    void rougeLUsesBestPrecisionAndBestRecallWithBeta1point2() {
        assertEquals(5.0 / 6, RougeL.score(t("the cat sat on the mat"), List.of(t("the cat is on the mat"))), 1e-9);
        // LCS 2: P = 1, R = 1/3, F = 2.44 * (1/3) / (1/3 + 1.44)
        assertEquals(2.44 / 3 / (1.0 / 3 + 1.44), RougeL.score(t("the cat"), List.of(t("the cat sat on the mat"))),
                1e-9);
        // best precision and best recall may come from different references
        assertEquals(1.0, RougeL.score(t("a b"), List.of(t("a b c d"), t("a b"))), 1e-9);
        assertEquals(0.0, RougeL.score(t("x"), List.of(t("a b"))), 1e-9);
    }

    @Test
    void ciderDOnTwoImages() {
        // image 1: "a b c" vs ref "a b"; image 2: "c d" vs ref "c d". Every n-gram's df is 1, so its weight is ln 2.
        // image 2: cosine 1 for n = 1, 2; n = 3, 4 empty -> (1 + 1 + 0 + 0) / 4 * 10 = 5
        // image 1: n=1 2/sqrt(6), n=2 1/sqrt(2), n=3 0 (empty reference), length penalty exp(-(2-1)^2 / 72)
        double image1 = (2 / Math.sqrt(6) + 1 / Math.sqrt(2)) * Math.exp(-1.0 / 72) / 4 * 10;
        CiderD.Result r = CiderD.score(List.of(t("a b c"), t("c d")), List.of(List.of(t("a b")), List.of(t("c d"))));
        assertEquals(image1, r.perImage()[0], 1e-9);
        assertEquals(5.0, r.perImage()[1], 1e-9);
        assertEquals((image1 + 5) / 2, r.mean(), 1e-9);
        assertEquals(3.75647, image1, 1e-5);
    }

    @Test
    void ciderDGivesNoWeightToWordsInEveryImagesReferences() {
        // "x" is in both images' references: idf 0, so "a x" scores through "a" and "a x" alone
        CiderD.Result r = CiderD.score(List.of(t("a x"), t("b x")), List.of(List.of(t("a x")), List.of(t("b x"))));
        assertEquals(5.0, r.perImage()[0], 1e-9);
        CiderD.Result wrong = CiderD.score(List.of(t("x"), t("b x")), List.of(List.of(t("a x")), List.of(t("b x"))));
        assertEquals(0.0, wrong.perImage()[0], 1e-9, "matching only the word every image has is worth nothing");
    }
}
