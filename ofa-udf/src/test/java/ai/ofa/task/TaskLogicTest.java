package ai.ofa.task;

import ai.ofa.generate.Hypothesis;
import ai.ofa.model.ImageSettings;
import ai.ofa.model.OfaModel;
import ai.ofa.model.SessionSettings;
import ai.ofa.model.VocabularyLayout;
import ai.ofa.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The task package's pure logic, value by value: boxes (parse, area, IoU), outcomes, results, the prompt builders,
 * the infilling mask, detection parsing. Expected values are worked out by hand in the comments, not taken from
 * the code under test. These are the tests {@code scripts/mutation.sh task} runs against every mutant. Equivalent
 * mutants left alive: {@code Box.iou}'s {@code w <= 0} as {@code w < 0} (a zero width gives a zero intersection
 * either way) and {@code DetectionTask.parse}'s {@code i + 4 <= n} as {@code i + 4 < n} (four bins with nothing
 * after them have no label and are dropped either way).
 */
class TaskLogicTest {
    @Test
    void boxParsesFourNumbersAndRefusesAnythingElse() {
        assertEquals(new Box(1.5, 2, 30, 40.25), Box.parse(" 1.5, 2,30 ,40.25"));
        for (String bad : List.of("1,2,3", "1,2,3,4,5", "1,2,x,4", "")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Box.parse(bad));
            assertTrue(e.getMessage().contains("'" + bad + "'") && e.getMessage().contains("x0,y0,x1,y1"),
                    e.getMessage());
        }
    }

    @Test
    void boxAreaAndIntersectionOverUnion() {
        Box a = new Box(0, 0, 10, 10);                 // area 100
        Box b = new Box(5, 5, 15, 25);                 // area 200, overlap 5x5 = 25, union 275
        assertEquals(100, a.area(), 0);
        assertEquals(200, b.area(), 0);
        assertEquals(25.0 / 275, a.iou(b), 1e-12);
        assertEquals(25.0 / 275, b.iou(a), 1e-12);
        assertEquals(1, a.iou(a), 1e-12);
        assertEquals(0, a.iou(new Box(10, 0, 20, 10)), 0, "touching edges");
        assertEquals(0, a.iou(new Box(0, 10, 10, 20)), 0, "touching edges");
        assertEquals(0, a.iou(new Box(11, 11, 12, 12)), 0, "apart");
        assertEquals(0, new Box(5, 5, 1, 9).area(), 0, "inverted x");
        assertEquals(0, new Box(1, 9, 5, 5).area(), 0, "inverted y");
        assertEquals(0, new Box(3, 3, 3, 3).iou(new Box(3, 3, 3, 3)), 0, "empty union");
        Box inside = new Box(2, 2, 4, 7);              // area 10, inside a: IoU 10/100
        assertEquals(0.1, a.iou(inside), 1e-12);
    }

    @Test
    void outcomesCarryAValueOrTheirError() {
        Outcome<String> ok = Outcome.ok("v");
        assertTrue(ok.isOk());
        assertEquals("v", ok.get());
        Outcome<String> bad = Outcome.failed("item 3: broken");
        assertFalse(bad.isOk());
        assertNull(bad.value());
        assertEquals("item 3: broken", assertThrows(IllegalArgumentException.class, bad::get).getMessage());
        assertEquals("broken", "item 3: broken".replaceFirst(Outcome.ITEM_PREFIX, ""));
    }

    @Test
    void resultWithersKeepEveryOtherField() {
        int[] tokens = {5, 2};
        float[] lp = {-1f, -0.5f};
        Box box = new Box(1, 2, 3, 4);
        int[] bins = {1, 2, 3, 4};
        OfaResult r = OfaResult.ofText("t", tokens, lp, -1.5).withBox(box, bins).withLabel("l").withAnswer("a")
                .withProbability(0.25).withDetections(List.of(new Detection("d", box, bins, -0.1)));
        assertEquals("t", r.text());
        assertSame(tokens, r.tokens());
        assertSame(lp, r.tokenLogprobs());
        assertEquals(-1.5, r.score(), 0);
        assertEquals(box, r.box());
        assertSame(bins, r.bins());
        assertEquals("l", r.label());
        assertEquals("a", r.answer());
        assertEquals(0.25, r.probability(), 0);
        assertEquals(1, r.detections().size());
        OfaResult again = r.withLabel("l2").withAnswer("a2").withProbability(0.5).withBox(null, null);
        assertEquals("l2", again.label());
        assertEquals("a2", again.answer());
        assertEquals(0.5, again.probability(), 0);
        assertEquals(1, again.detections().size());
        assertEquals("t", again.text());
        OfaResult plain = OfaResult.ofText("x", tokens, lp, 0);
        assertNull(plain.box());
        assertNull(plain.label());
        assertNull(plain.probability());
    }

    @Test
    void promptBuildersFollowOfaTemplates() {
        assertEquals(" does the image describe \" two dogs \"?", Entailment.prompt("Two  dogs", null));
        assertEquals(" does the image describe \" two dogs \"?", Entailment.prompt("two dogs", " "));
        assertEquals(" can image and text1 \" a park \" imply text2 \" two dogs \"?",
                Entailment.prompt("two dogs", "a park"));
        assertThrows(IllegalArgumentException.class, () -> Entailment.prompt(" ", "a park"));
        assertThrows(IllegalArgumentException.class, () -> Entailment.prompt(null, null));
        assertEquals(" what is it?", Vqa.prompt("what is it"));
        assertEquals(" what is it?", Vqa.prompt("what is it?"));
        assertThrows(IllegalArgumentException.class, () -> Vqa.prompt(" "));
        assertThrows(IllegalArgumentException.class, () -> Vqa.prompt(null));
        assertEquals(" which region does the text \" a red car \" describe?", Grounding.prompt("a red car"));
        assertEquals(TextToImage.PROMPT + "a b c", TextToImage.prompt("  a \t b\nc "));
        String many = "w ".repeat(TextToImage.MAX_CAPTION_WORDS + 5);
        assertEquals(TextToImage.MAX_CAPTION_WORDS,
                TextToImage.prompt(many).substring(TextToImage.PROMPT.length()).split(" ").length);
    }

    @Test
    void infillingMasksExactlyTheMiddle() {
        int size = ImageInfill.SIZE;
        byte[] rgb = new byte[3 * size * size];
        java.util.Arrays.fill(rgb, (byte) 255);
        ImageSettings is = new ImageSettings(Map.of("caption", 480), new float[]{0.5f, 0.5f, 0.5f},
                new float[]{0.5f, 0.5f, 0.5f}, 512);
        float[] out = new float[3 + 3 * size * size];
        ImageInfill.maskedInput(rgb, is, out, 3);
        int from = ImageInfill.MASK_FROM;
        int to = from + ImageInfill.MIDDLE;
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    boolean middle = y >= from && y < to && x >= from && x < to;
                    assertEquals(middle ? 0f : 1f, out[3 + c * size * size + y * size + x],
                            "channel " + c + " at " + y + "," + x);   // white normalises to (1-0.5)/0.5 = 1
                }
            }
        }
        assertEquals(0f, out[0]);
    }

    @Test
    void detectionParsesBinGroupsWithLabelsAndDropsIncompleteOnes() {
        try (OfaModel model = OfaModel.load(Fixtures.projectRoot().resolve("models/ofa-tiny-random"),
                SessionSettings.DEFAULT.withThreads(1))) {
            VocabularyLayout v = model.modelPackage().vocabulary();
            int eos = model.modelPackage().specialIds().eos();
            int[] dog = model.tokenizer().encodePieces(" dog");
            int[] cat = model.tokenizer().encodePieces(" cat");
            // [junk] 4 bins + "dog" | 4 bins, no label | 4 bins + "cat" | 2 bins (incomplete) | eos
            java.util.List<Integer> t = new java.util.ArrayList<>();
            t.add(dog[0]);
            for (int b : new int[]{0, 10, 499, 999}) {
                t.add(v.binId(b));
            }
            for (int d : dog) {
                t.add(d);
            }
            for (int b : new int[]{1, 2, 3, 4}) {
                t.add(v.binId(b));
            }
            for (int b : new int[]{100, 200, 300, 400}) {
                t.add(v.binId(b));
            }
            for (int c : cat) {
                t.add(c);
            }
            t.add(v.binId(7));
            t.add(v.binId(8));
            t.add(eos);
            int[] tokens = t.stream().mapToInt(Integer::intValue).toArray();
            float[] lp = new float[tokens.length];
            for (int i = 0; i < lp.length; i++) {
                lp[i] = -0.5f * (i + 1);
            }
            List<Detection> d = DetectionTask.parse(model, new Hypothesis(tokens, lp, 0), 512, 1024, 256);
            assertEquals(2, d.size(), d.toString());
            assertEquals("dog", d.get(0).label());
            assertArrayEquals(new int[]{0, 10, 499, 999}, d.get(0).bins());
            // x1 = bin 499 on width 1024 at S 512: 499/999*512/(512/1024); y1 = bin 999 on height 256: 999/999*512/2
            assertEquals(0, d.get(0).box().x0(), 1e-3);
            assertEquals(10.0 / 999 * 256, d.get(0).box().y0(), 1e-3);
            assertEquals(499.0 / 999 * 1024, d.get(0).box().x1(), 1e-3);
            assertEquals(256, d.get(0).box().y1(), 1e-3);
            double mean = 0;   // tokens 1 .. 4 + dog.length (index 0 is junk)
            for (int i = 1; i < 5 + dog.length; i++) {
                mean += lp[i];
            }
            assertEquals(mean / (4 + dog.length), d.get(0).score(), 1e-6);
            assertEquals("cat", d.get(1).label());
            assertArrayEquals(new int[]{100, 200, 300, 400}, d.get(1).bins());
            // a label that runs to the very end (no eos, nothing after it) is still read, without overrunning
            int[] tail = {v.binId(5), v.binId(6), v.binId(7), v.binId(8), cat[0]};
            List<Detection> last = DetectionTask.parse(model, new Hypothesis(tail, new float[tail.length], 0), 512,
                    512, 512);
            assertEquals(1, last.size(), last.toString());
            assertArrayEquals(new int[]{5, 6, 7, 8}, last.get(0).bins());
        }
    }
}
