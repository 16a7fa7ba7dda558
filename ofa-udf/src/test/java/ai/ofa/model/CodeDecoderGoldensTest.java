package ai.ofa.model;

import ai.ofa.generate.Hypothesis;
import ai.ofa.generate.SamplingSettings;
import ai.ofa.image.ImageDecoder;
import ai.ofa.image.ImagePreprocessor;
import ai.ofa.image.RgbImage;
import ai.ofa.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The image-code graphs of the bundled test package (text-only encoder, code decoder on 32- and 16-wide grids)
 * under ONNX Runtime Java against PyTorch ({@code image_codes} of {@code models/ofa-tiny-random.goldens.json}):
 * at each of the first 24 steps, fed PyTorch's greedy codes through the KV cache, the 8 best codes' log-probs
 * (the reference's code-range normalisation) within 1e-4; and the greedy search of {@link OfaModel#generateCodes}
 * gives PyTorch's first codes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CodeDecoderGoldensTest {
    private OfaModel model;
    private JsonNode goldens;
    private Path root;

    @BeforeAll
    void load() throws IOException {
        root = Fixtures.projectRoot();
        model = OfaModel.load(root.resolve("models/ofa-tiny-random"), SessionSettings.DEFAULT.withThreads(2));
        goldens = new ObjectMapper().readTree(root.resolve("models/ofa-tiny-random.goldens.json").toFile());
    }

    @AfterAll
    void close() {
        model.close();
    }

    @TestFactory
    Stream<DynamicTest> codeStepsMatchPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : goldens.get("image_codes")) {
            String name = c.get("task").asText() + " " + (c.has("caption") ? c.get("caption").asText()
                    : c.get("image").asText());
            tests.add(DynamicTest.dynamicTest(name, () -> check(c)));
        }
        return tests.stream();
    }

    private EncodedBatch encode(JsonNode c, int[] ids) throws IOException {
        if (c.get("task").asText().equals("text_to_image")) {
            int[] mine = model.tokenizer().encode(" what is the complete image? caption: " + c.get("caption").asText());
            assertArrayEquals(ids, mine, "prompt ids");
            return model.encodeText(List.of(ids));
        }
        RgbImage img = new ImageDecoder().decode(Files.readAllBytes(root.resolve("testdata/ofa-reference/images")
                .resolve(c.get("file").asText())));
        float[] px = new float[3 * 256 * 256];
        ImageSettings is = model.modelPackage().image();
        ImagePreprocessor.normalize(ImagePreprocessor.resize(img, 256), 256, is.mean(), is.std(), px, 0);
        for (int ch = 0; ch < 3; ch++) {
            for (int y = 64; y < 192; y++) {
                java.util.Arrays.fill(px, (ch * 256 + y) * 256 + 64, (ch * 256 + y) * 256 + 192, 0f);
            }
        }
        return model.encodePixels(new Floats(px, new long[]{1, 3, 256, 256}), List.of(ids));
    }

    private void check(JsonNode c) throws IOException {
        int[] ids = ints(c.get("input_ids"));
        int grid = c.get("grid").asInt();
        VocabularyLayout v = model.modelPackage().vocabulary();
        int lo = v.codeFirstId();
        int hi = lo + v.numCodes();
        int steps = c.get("codes").size();
        try (EncodedBatch enc = encode(c, ids)) {
            try (KvCacheDecoder dec = KvCacheDecoder.forCodes(model.backend(), enc, new int[]{0}, grid)) {
                long token = model.modelPackage().specialIds().bos();
                for (int t = 0; t < steps; t++) {
                    double[] lp = restricted(dec.step(new long[]{token}), lo, hi);
                    for (int j = 0; j < 8; j++) {
                        int code = c.get("top_codes").get(t).get(j).asInt();
                        assertEquals(c.get("top_logprobs").get(t).get(j).asDouble(), lp[lo + code], 1e-4,
                                "step " + t + ", code " + code);
                    }
                    token = lo + c.get("codes").get(t).asInt();   // PyTorch's choice, so later steps stay comparable
                }
            }
            List<List<Hypothesis>> greedy = model.generateCodes(enc, SamplingSettings.greedy(), grid, steps, s -> { });
            Hypothesis h = greedy.get(0).get(0);
            for (int t = 0; t < steps; t++) {
                assertEquals(c.get("codes").get(t).asInt(), h.tokens()[t] - lo, "greedy code " + t);
                assertEquals(c.get("logprobs").get(t).asDouble(), h.tokenLogprobs()[t], 1e-4, "greedy log-prob " + t);
                if (c.get("margins").get(t).asDouble() < 1e-4) {
                    break;   // a near tie: an fp32 implementation may take the other code from here on
                }
            }
        }
    }

    /** The reference's code step on full logits: ids 4..lo-1 and from hi on masked, log-softmax, ids 0..3 banned. */
    static double[] restricted(float[] logits, int lo, int hi) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < logits.length; i++) {
            if (i < 4 || (i >= lo && i < hi)) {
                max = Math.max(max, logits[i]);
            }
        }
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            if (i < 4 || (i >= lo && i < hi)) {
                sum += Math.exp(logits[i] - max);
            }
        }
        double[] out = new double[logits.length];
        java.util.Arrays.fill(out, Double.NEGATIVE_INFINITY);
        for (int i = lo; i < hi; i++) {
            out[i] = logits[i] - max - Math.log(sum);
        }
        return out;
    }

    static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }
}
