package ai.ofa.task;

import ai.ofa.model.OfaModel;
import ai.ofa.model.SessionSettings;
import ai.ofa.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One bad item never fails its batch; each gets a clear error naming it; the model stays usable. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {
    private OfaModel model;
    private byte[] good;

    @BeforeAll
    void load() throws IOException {
        model = OfaModel.load(Fixtures.projectRoot().resolve("models/ofa-tiny-random"), SessionSettings.DEFAULT);
        good = Files.readAllBytes(Fixtures.projectRoot().resolve("examples/images/astronaut.png"));
    }

    @AfterAll
    void close() {
        model.close();
        model.close();   // idempotent
    }

    @Test
    void badImagesGetErrorsAndGoodOnesResults() {
        byte[] truncated = Arrays.copyOf(good, good.length / 4);
        byte[] bomb = ai.ofa.testing.TestImages.pngHeaderOnly(50_000, 50_000);
        List<byte[]> batch = new ArrayList<>(Arrays.asList(good, new byte[0], "not an image".getBytes(), truncated,
                bomb, null, good));
        List<Outcome<OfaResult>> out = new Captioning(model, Captioning.DEFAULTS.withBeam(2).withMaxLen(3)).run(batch);
        assertEquals(batch.size(), out.size());
        assertTrue(out.get(0).isOk());
        assertTrue(out.get(6).isOk());
        assertEquals(out.get(0).value().text(), out.get(6).value().text(), "same image, same answer in one batch");
        assertTrue(out.get(1).error().contains("item 1") && out.get(1).error().contains("Empty image"));
        assertTrue(out.get(2).error().contains("Not an image"));
        assertTrue(out.get(3).error().contains("Corrupt or truncated"));
        assertTrue(out.get(4).error().contains("exceeds the limit"));
        assertTrue(out.get(5).error().contains("null"));
        assertTrue(new Captioning(model, Captioning.DEFAULTS.withBeam(1).withMaxLen(2)).run(List.of(good)).get(0)
                .isOk(), "model still usable");
    }

    @Test
    void tooLongPromptsAndEmptyTextsAreErrorsOfTheirItem() {
        String longText = "word ".repeat(3000);
        List<Outcome<OfaResult>> out = new Vqa(model, Vqa.Mode.FREE, Captioning.DEFAULTS.withBeam(1).withMaxLen(2))
                .run(List.of(good, good, good), List.of("what is it?", "   ", longText + "?"), null);
        assertTrue(out.get(0).isOk());
        assertTrue(out.get(1).error().contains("Question is empty"));
        assertTrue(out.get(2).isOk(), "questions are cut to OFA's word limit, as the reference's data code does");
        List<Outcome<OfaResult>> scored = new Scoring(model).run(List.of(good), List.of(longText), List.of(" a"));
        assertTrue(scored.get(0).error().contains("exceeds the limit"), scored.get(0).error());
    }

    @Test
    void badCandidatesAndBoxesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Classification(model).run(List.of(good), List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new Classification(model).run(List.of(good), List.of("cat", " ")));
        List<Outcome<OfaResult>> r = new RegionCaptioning(model).run(List.of(good), List.of(new Box(50, 50, 10, 60)));
        assertTrue(r.get(0).error().contains("x1 > x0"));
    }

    @Test
    void candidateTasksPickACandidateWithAProbability() {
        List<String> labels = List.of("astronaut", "dog", "galaxy");
        OfaResult c = new Classification(model).run(List.of(good), labels).get(0).get();
        assertTrue(labels.contains(c.label()));
        assertTrue(c.probability() > 0 && c.probability() <= 1);
        OfaResult trie = new Classification(model, true, Captioning.DEFAULTS.withBeam(3).withMaxLen(8))
                .run(List.of(good), labels).get(0).get();
        assertTrue(labels.contains(trie.label()), "trie decoding can only produce a label, got " + trie.label());
        OfaResult e = new Entailment(model).run(List.of(good), List.of("a person"), null).get(0).get();
        assertTrue(Entailment.ANSWERS.contains(e.answer()));
        OfaResult itm = new ImageTextMatching(model).run(List.of(good), List.of("a person")).get(0).get();
        assertTrue(itm.probability() >= 0 && itm.probability() <= 1);
        OfaResult g = new Grounding(model).run(List.of(good), List.of("the person")).get(0).get();
        assertEquals(4, g.bins().length);
        assertTrue(g.box().x0() >= 0 && g.box().x1() <= 512 + 1e-3);
    }
}
