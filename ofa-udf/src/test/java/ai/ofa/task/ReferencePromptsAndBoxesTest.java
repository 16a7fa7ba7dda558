package ai.ofa.task;

import ai.ofa.model.ModelPackage;
import ai.ofa.testing.Fixtures;
import ai.ofa.text.BpeTokenizer;
import ai.ofa.text.TokenLayout;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The task classes' own prompt builders and {@link BoxQuantizer} against the REFERENCE fixture
 * ({@code testdata/ofa-reference/expected.json}, written by OFA-Sys code): each builder's prompt, tokenised with the
 * fixture's vocabulary, equals the reference {@code input_ids}; the reference's greedy bins de-quantised on the
 * original image (1000x872 for hubble, so W and H cannot be swapped unnoticed) equal {@code box_xyxy_float32}.
 * Every text, size and id comes from the fixture, so a second fixture of the same layout runs unchanged.
 *
 * <p>Mutations these checks catch: W and H swapped in {@code toBox} (hubble's y then comes out at x's scale);
 * {@code numBins} instead of {@code numBins - 1}; the grounding template without the spaces inside the quotes; the
 * VQA builder without its leading space or its appended {@code ?}. PIT ({@code scripts/mutation.sh}) runs the
 * arithmetic ones.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReferencePromptsAndBoxesTest {
    /** The README's tolerance for box coordinates. */
    static final double BOX_TOL = 1e-3;
    /** The reference grounding prompt, to recover the expression the builder is given (the hidden fixture's differs). */
    private static final Pattern GROUNDING = Pattern.compile("^ which region does the text \" (.*) \" describe\\?$");

    private JsonNode expected;
    private BpeTokenizer tokenizer;
    private int maxImageSize;

    @BeforeAll
    void load() throws IOException {
        Path ref = Fixtures.referenceFixture();
        expected = new ObjectMapper().readTree(ref.resolve("expected.json").toFile());
        JsonNode v = expected.get("vocab");
        int codes = v.get("bin_first_id").asInt() - v.get("code_first_id").asInt();
        tokenizer = BpeTokenizer.load(ref.resolve("hf/vocab.json"), ref.resolve("hf/merges.txt"),
                new TokenLayout(v.get("vocab_size").asInt(), v.get("code_first_id").asInt(), codes,
                        v.get("bin_first_id").asInt(), v.get("num_bins").asInt()));
        // OFA's max_image_size is a constant of its refcoco task, not a fixture field: take it from the converted
        // package, the value the runtime uses.
        maxImageSize = ModelPackage.open(Fixtures.built("reference/package")).image().maxImageSize();
    }

    @Test
    void captionPromptTokenisesToTheReferenceIds() {
        assertTrue(expected.get("caption").size() > 0, "fixture has no caption case");
        for (JsonNode c : expected.get("caption")) {
            assertEquals(c.get("prompt").asText(), Captioning.PROMPT, "caption prompt text");
            assertArrayEquals(ints(c.get("input_ids")), tokenizer.encode(Captioning.PROMPT),
                    "caption prompt ids for " + c.get("image").asText());
        }
    }

    @Test
    void groundingPromptBuilderTokenisesToTheReferenceIds() {
        assertTrue(expected.get("grounding").size() > 0, "fixture has no grounding case");
        for (JsonNode c : expected.get("grounding")) {
            Matcher m = GROUNDING.matcher(c.get("prompt").asText());
            assertTrue(m.matches(), "reference grounding prompt has an unknown template: " + c.get("prompt"));
            String built = Grounding.prompt(m.group(1));
            assertArrayEquals(ints(c.get("input_ids")), tokenizer.encode(built),
                    "grounding prompt ids for '" + m.group(1) + "' (built: '" + built + "')");
            // Extra whitespace around the expression is normalised away, as OFA's pre_caption does.
            assertArrayEquals(ints(c.get("input_ids")), tokenizer.encode(Grounding.prompt("  " + m.group(1) + " ")));
        }
    }

    @Test
    void vqaPromptBuilderTokenisesToTheReferenceIds() {
        assertTrue(expected.get("vqa").size() > 0, "fixture has no VQA case");
        for (JsonNode c : expected.get("vqa")) {
            String question = c.get("prompt").asText().strip();
            assertArrayEquals(ints(c.get("input_ids")), tokenizer.encode(Vqa.prompt(question)),
                    "VQA prompt ids for '" + question + "'");
            String withoutMark = question.endsWith("?") ? question.substring(0, question.length() - 1) : question;
            assertArrayEquals(ints(c.get("input_ids")), tokenizer.encode(Vqa.prompt(withoutMark)),
                    "VQA prompt ids for '" + withoutMark + "' (the builder appends the question mark)");
        }
    }

    @Test
    void referenceBinsDequantiseToTheReferenceBoxes() {
        int numBins = expected.get("vocab").get("num_bins").asInt();
        BoxQuantizer q = new BoxQuantizer(numBins, maxImageSize);
        boolean nonSquare = false;
        for (JsonNode c : expected.get("grounding")) {
            int w = c.get("image_width").asInt();
            int h = c.get("image_height").asInt();
            int size = c.get("size").asInt();
            nonSquare |= w != h;
            assertBox("greedy box of " + c.get("image").asText(), c.get("box_xyxy_float32"),
                    q.toBox(ints(c.get("bins")), size, w, h));
            JsonNode tf = c.get("teacher_forced_bins");
            Box target = q.toBox(ints(tf.get("target_bins")), size, w, h);
            assertBox("teacher-forced target box of " + c.get("image").asText(), tf.get("target_box_xyxy"), target);
        }
        assertTrue(nonSquare, "the fixture needs a non-square grounding image to tell W from H");
    }

    /**
     * Region captioning's direction: pixels -> bins -> pixels comes back within half a bin on each axis of a
     * non-square image, and bins -> pixels -> bins is exact for every bin (so no off-by-one in either direction).
     */
    @Test
    void pixelsToBinsToPixelsRoundTrips() {
        int numBins = expected.get("vocab").get("num_bins").asInt();
        BoxQuantizer q = new BoxQuantizer(numBins, maxImageSize);
        for (JsonNode c : expected.get("grounding")) {
            int w = c.get("image_width").asInt();
            int h = c.get("image_height").asInt();
            int size = c.get("size").asInt();
            double binW = (double) maxImageSize / (numBins - 1) * w / size;
            double binH = (double) maxImageSize / (numBins - 1) * h / size;
            java.util.Random rnd = new java.util.Random(7);
            for (int k = 0; k < 200; k++) {
                double x0 = rnd.nextDouble() * w / 2;
                double y0 = rnd.nextDouble() * h / 2;
                Box b = new Box(x0, y0, x0 + rnd.nextDouble() * w / 2, y0 + rnd.nextDouble() * h / 2);
                Box back = q.toBox(q.toBins(b, size, w, h), size, w, h);
                String what = "round trip of " + b + " on " + w + "x" + h + " -> " + back;
                assertTrue(Math.abs(back.x0() - b.x0()) <= binW / 2 + 1e-3, what);
                assertTrue(Math.abs(back.x1() - b.x1()) <= binW / 2 + 1e-3, what);
                assertTrue(Math.abs(back.y0() - b.y0()) <= binH / 2 + 1e-3, what);
                assertTrue(Math.abs(back.y1() - b.y1()) <= binH / 2 + 1e-3, what);
            }
            for (int bin = 0; bin < numBins; bin++) {
                assertEquals(bin, q.toBin(q.toPixel(bin, size, w), size, w), "bin " + bin + " on width " + w);
                assertEquals(bin, q.toBin(q.toPixel(bin, size, h), size, h), "bin " + bin + " on height " + h);
            }
            // Outside the image clamps to the first and last bin instead of inventing bins.
            assertEquals(0, q.toBin(-50, size, w));
            assertEquals(numBins - 1, q.toBin(w * 3.0, size, w));
        }
    }

    private static void assertBox(String what, JsonNode want, Box got) {
        double[] g = {got.x0(), got.y0(), got.x1(), got.y1()};
        for (int k = 0; k < 4; k++) {
            assertTrue(Math.abs(want.get(k).asDouble() - g[k]) <= BOX_TOL,
                    what + "[" + k + "]: expected " + want + ", got " + got);
        }
    }

    static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }
}
