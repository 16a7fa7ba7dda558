package ai.ofa.task;

import ai.ofa.model.OfaModel;
import ai.ofa.model.SessionSettings;
import ai.ofa.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A batch whose prompts have different lengths (so the encoder input is padded and the padding mask matters) gives,
 * item by item, what the same item gives alone in a batch of one: same tokens, same bins, log-probs within 1e-5.
 * Run on the reference fixture's converted package, whose outputs depend on image and text.
 *
 * <p>Mutation tried by hand and caught by all three tests: prompts padded with eos instead of pad in
 * {@code OfaModel.paddedIds}, so the encoder's padding mask misses them (log-probs move by 2.5e-2 to 7.7e-2).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PaddedBatchTest {
    static final double TOL = 1e-5;
    private OfaModel model;

    @BeforeAll
    void load() {
        model = OfaModel.load(Fixtures.built("reference/package"), SessionSettings.DEFAULT.withThreads(2));
    }

    @AfterAll
    void close() {
        model.close();
    }

    @Test
    void groundingBatchWithPromptsOfDifferentLengthsEqualsOneAtATime() {
        List<byte[]> images = TaskImages.three();
        List<String> texts = List.of("the person on the left",
                "a very bright spiral galaxy close to the upper right corner of the whole picture", "sun");
        assertPromptLengthsDiffer(texts.stream().map(Grounding::prompt).toList());
        Grounding g = new Grounding(model);
        compare(g.run(images, texts), i -> g.run(List.of(images.get(i)), List.of(texts.get(i))).get(0), true);
    }

    @Test
    void vqaBatchWithPromptsOfDifferentLengthsEqualsOneAtATime() {
        List<byte[]> images = TaskImages.three();
        List<String> questions = List.of("how many people are there?", "is it red?",
                "what is the small object in the middle of the picture next to the bright yellow square?");
        assertPromptLengthsDiffer(questions.stream().map(Vqa::prompt).toList());
        Vqa v = new Vqa(model, Vqa.Mode.FREE, ai.ofa.generate.SearchSettings.beam(3).withMaxLen(6));
        compare(v.run(images, questions, null),
                i -> v.run(List.of(images.get(i)), List.of(questions.get(i)), null).get(0), false);
    }

    @Test
    void aFailedItemInTheBatchLeavesTheOthersAsAlone() {
        List<byte[]> images = TaskImages.three();
        List<byte[]> withBad = List.of(images.get(0), new byte[]{1, 2, 3}, images.get(2));
        List<String> texts = List.of("the person on the left", "anything", "the yellow square in the middle");
        Grounding g = new Grounding(model);
        List<Outcome<OfaResult>> batch = g.run(withBad, texts);
        assertEquals(3, batch.size());
        assertTrue(!batch.get(1).isOk() && batch.get(1).error().startsWith("item 1: "), batch.get(1).toString());
        for (int i : new int[]{0, 2}) {
            OfaResult alone = g.run(List.of(withBad.get(i)), List.of(texts.get(i))).get(0).get();
            assertArrayEquals(alone.bins(), batch.get(i).get().bins(), "bins of item " + i);
            assertClose("item " + i, alone.tokenLogprobs(), batch.get(i).get().tokenLogprobs());
        }
    }

    private void compare(List<Outcome<OfaResult>> batch, Function<Integer, Outcome<OfaResult>> alone, boolean bins) {
        double worst = 0;
        for (int i = 0; i < batch.size(); i++) {
            OfaResult b = batch.get(i).get();
            OfaResult a = alone.apply(i).get();
            assertArrayEquals(a.tokens(), b.tokens(), "tokens of item " + i);
            if (bins) {
                assertArrayEquals(a.bins(), b.bins(), "bins of item " + i);
                assertEquals(a.box(), b.box(), "box of item " + i);
            }
            worst = Math.max(worst, assertClose("item " + i, a.tokenLogprobs(), b.tokenLogprobs()));
            assertTrue(Math.abs(a.score() - b.score()) <= TOL, "score of item " + i + ": " + a.score() + " vs "
                    + b.score());
        }
        System.out.println("[padded batch] max |log-prob batch - alone| = " + worst);
    }

    private static double assertClose(String what, float[] want, float[] got) {
        assertEquals(want.length, got.length, what + " length");
        double max = 0;
        for (int t = 0; t < want.length; t++) {
            max = Math.max(max, Math.abs(want[t] - got[t]));
        }
        assertTrue(max <= TOL, what + ": log-probs differ by " + max + " > " + TOL);
        return max;
    }

    private void assertPromptLengthsDiffer(List<String> prompts) {
        List<Integer> lengths = prompts.stream().map(p -> model.tokenizer().encode(p).length).toList();
        assertNotEquals(lengths.get(0), lengths.get(1), "prompt lengths " + lengths);
        assertNotEquals(lengths.get(1), lengths.get(2), "prompt lengths " + lengths);
    }
}
