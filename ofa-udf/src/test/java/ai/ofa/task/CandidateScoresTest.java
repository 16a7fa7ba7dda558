package ai.ofa.task;

import ai.ofa.generate.SearchSettings;
import ai.ofa.model.OfaModel;
import ai.ofa.model.SessionSettings;
import ai.ofa.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Candidate tasks (classification, VQA over an answer list, entailment, image-text matching) choose the candidate
 * with the highest independently computed score and report its probability as the softmax over those scores. The
 * scores come from {@link RawScorer}: each candidate alone, batch 1, the decoder run once over the whole sequence
 * with no cache. Where the candidate list is free, the candidates are ordered so that the best one is LAST, so a task
 * returning the first candidate fails.
 *
 * <p>Mutation tried by hand: {@code CandidateChoice} always choosing the first candidate (all four tests fail). The
 * probability checks are relative to min(p, 1 - p), so a hard-coded probability of 1 fails even where p = 0.99994.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CandidateScoresTest {
    static final double SCORE_TOL = 1e-4;
    /** Score errors of ~1e-5 move p and 1 - p by ~1e-5 relative; 1e-3 leaves 100x room. */
    static final double PROB_REL_TOL = 1e-3;
    private OfaModel model;
    private List<byte[]> images;

    @BeforeAll
    void load() {
        model = OfaModel.load(Fixtures.built("reference/package"), SessionSettings.DEFAULT.withThreads(2));
        images = TaskImages.three().subList(0, 2);
    }

    @AfterAll
    void close() {
        model.close();
    }

    @Test
    void classificationChoosesTheBestIndependentScoreWithItsSoftmaxProbability() {
        List<String> labels = List.of("a woman in a white suit", "stars", "a dog", "the moon over a dark sea",
                "red car");
        int size = model.modelPackage().image().resolutionFor("classification");
        for (byte[] image : images) {
            List<String> ordered = bestLast(image, Captioning.PROMPT, size, labels);
            OfaResult r = new Classification(model).run(List.of(image), ordered).get(0).get();
            check(image, Captioning.PROMPT, size, ordered, r, r.label());
        }
    }

    @Test
    void vqaOverAnAnswerListChoosesTheBestIndependentScore() {
        List<String> answers = List.of("two", "yes", "a man", "blue and white", "no", "one");
        int size = model.modelPackage().image().resolutionFor("vqa");
        String question = "how many people are there?";
        for (byte[] image : images) {
            List<String> ordered = bestLast(image, Vqa.prompt(question), size, answers);
            OfaResult r = new Vqa(model, Vqa.Mode.ALL_CANDIDATES).run(List.of(image), List.of(question), ordered)
                    .get(0).get();
            check(image, Vqa.prompt(question), size, ordered, r, r.answer());
        }
    }

    @Test
    void entailmentChoosesTheBestOfYesNoMaybe() {
        int size = model.modelPackage().image().resolutionFor("entailment");
        String hypothesis = "a person stands in front of a flag";
        for (byte[] image : images) {
            OfaResult r = new Entailment(model).run(List.of(image), List.of(hypothesis), null).get(0).get();
            check(image, Entailment.prompt(hypothesis, null), size, Entailment.ANSWERS, r, r.label());
        }
    }

    @Test
    void imageTextMatchingReportsTheSoftmaxProbabilityOfYes() {
        int size = model.modelPackage().image().resolutionFor("itm");
        String text = "a woman in a white suit";
        String prompt = Entailment.prompt(text, null);
        for (byte[] image : images) {
            double yes = RawScorer.candidateScore(model, image, prompt, size, "yes");
            double no = RawScorer.candidateScore(model, image, prompt, size, "no");
            OfaResult r = new ImageTextMatching(model).run(List.of(image), List.of(text)).get(0).get();
            double pYes = 1 / (1 + Math.exp(no - yes));
            assertEquals(yes >= no ? "yes" : "no", r.answer(), "ITM answer (yes " + yes + ", no " + no + ")");
            double tol = PROB_REL_TOL * Math.min(pYes, 1 - pYes);
            assertTrue(Math.abs(pYes - r.probability()) <= tol, "P(yes): expected " + pYes + ", got "
                    + r.probability() + " (tolerance " + tol + ")");
            assertTrue(r.probability() > 0 && r.probability() < 1, "P(yes) strictly inside (0,1): " + r.probability());
        }
    }

    /**
     * Free-target scoring over a batch of two items with targets of different lengths: each item's token log-probs
     * equal its own independent teacher-forced run. Mutation tried: scoring every item with item 0's target (fails).
     */
    @Test
    void scoringABatchEqualsEachItemAlone() {
        int size = model.modelPackage().image().resolutionFor("score");
        List<String> prompts = List.of(Captioning.PROMPT, Vqa.prompt("what is in the sky?"));
        List<String> targets = List.of(" a woman in a white suit stands in front of a flag", " stars");
        List<Outcome<OfaResult>> out = new Scoring(model).run(images, prompts, targets);
        assertEquals(2, out.size());
        for (int k = 0; k < 2; k++) {
            int[] framed = model.tokenizer().encode(targets.get(k));
            int[] target = java.util.Arrays.copyOfRange(framed, 1, framed.length);
            double[] expected = RawScorer.targetLogprobs(model, images.get(k), prompts.get(k), size, target);
            OfaResult r = out.get(k).get();
            assertEquals(targets.get(k), r.text());
            assertEquals(java.util.Arrays.toString(target), java.util.Arrays.toString(r.tokens()), "item " + k);
            double sum = 0;
            for (int t = 0; t < expected.length; t++) {
                assertEquals(expected[t], r.tokenLogprobs()[t], SCORE_TOL, "item " + k + " token " + t);
                sum += expected[t];
            }
            assertEquals(sum, r.score(), SCORE_TOL, "item " + k + " score = sum of its token log-probs");
        }
    }

    /**
     * Region captioning: each item's tokens, teacher-forced with the region prompt of its own box (its bins on its own
     * image), give the log-probs the task reported; a zero-width box is an error of its item only. Mutation tried:
     * accepting x1 == x0 (the box check's surviving PIT mutant; fails).
     */
    @Test
    void regionCaptionsAreTheGenerationOfEachItemsOwnRegionPrompt() {
        int size = model.modelPackage().image().resolutionFor("region_caption");
        BoxQuantizer q = new BoxQuantizer(model.modelPackage().vocabulary().numBins(),
                model.modelPackage().image().maxImageSize());
        List<Box> boxes = List.of(new Box(4, 6, 40, 30), new Box(20, 10, 60, 50));
        List<byte[]> three = new ArrayList<>(images);
        three.add(images.get(0));
        List<Box> threeBoxes = new ArrayList<>(boxes);
        threeBoxes.add(new Box(10, 10, 10, 60));
        List<Outcome<OfaResult>> out = new RegionCaptioning(model).run(three, threeBoxes);
        assertEquals(3, out.size());
        assertTrue(!out.get(2).isOk() && out.get(2).error().contains("x1 > x0"), "zero-width box: " + out.get(2));
        for (int k = 0; k < 2; k++) {
            ai.ofa.image.RgbImage img = model.imageDecoder().decode(images.get(k));
            int[] b = q.toBins(boxes.get(k), size, img.width(), img.height());
            String prompt = " what does the region describe? region: <bin_" + b[0] + "><bin_" + b[1] + "><bin_"
                    + b[2] + "><bin_" + b[3] + ">";
            OfaResult r = out.get(k).get();
            assertTrue(r.tokens().length > 0, "item " + k + " generated tokens");
            double[] expected = RawScorer.targetLogprobs(model, images.get(k), prompt, size, r.tokens());
            for (int t = 0; t < expected.length; t++) {
                assertEquals(expected[t], r.tokenLogprobs()[t], SCORE_TOL, "item " + k + " token " + t);
            }
        }
    }

    /** The candidates reordered so that the one with the highest independent score is last, the rest as given. */
    private List<String> bestLast(byte[] image, String prompt, int size, List<String> candidates) {
        int best = 0;
        double[] s = new double[candidates.size()];
        for (int c = 0; c < s.length; c++) {
            s[c] = RawScorer.candidateScore(model, image, prompt, size, candidates.get(c));
            if (s[c] > s[best]) {
                best = c;
            }
        }
        List<String> out = new ArrayList<>(candidates);
        out.add(out.remove(best));
        return out;
    }

    private void check(byte[] image, String prompt, int size, List<String> candidates, OfaResult r, String chosen) {
        double[] s = new double[candidates.size()];
        int best = 0;
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < s.length; c++) {
            s[c] = RawScorer.candidateScore(model, image, prompt, size, candidates.get(c));
            if (s[c] > s[best]) {
                best = c;
            }
            max = Math.max(max, s[c]);
        }
        double total = 0;
        for (double v : s) {
            total += Math.exp(v - max);
        }
        double p = Math.exp(s[best] - max) / total;
        String scores = java.util.Arrays.toString(s) + " for " + candidates;
        assertEquals(candidates.get(best), chosen, "chosen candidate; independent scores " + scores);
        assertTrue(Math.abs(s[best] - r.score()) <= SCORE_TOL, "score of '" + chosen + "': expected " + s[best]
                + ", got " + r.score());
        // Relative to the smaller of p and 1 - p: the random model's choices can be near-certain (p = 0.99994), where
        // an absolute bound would let a hard-coded probability of 1 through.
        double tol = PROB_REL_TOL * Math.min(p, 1 - p);
        assertTrue(Math.abs(p - r.probability()) <= tol, "probability of '" + chosen + "': expected " + p
                + ", got " + r.probability() + " (tolerance " + tol + "); scores " + scores);
        assertTrue(p < 1 && Math.abs(p - 1.0 / s.length) > 1e-3, "degenerate scores " + scores);
    }
}
