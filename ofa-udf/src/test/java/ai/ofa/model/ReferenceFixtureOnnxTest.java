package ai.ofa.model;

import ai.ofa.testing.Fixtures;
import ai.ofa.testing.Npy;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The converted reference checkpoint, run by ONNX Runtime Java on the reference's own preprocessed inputs, gives
 * the numbers the REFERENCE OFA code wrote in {@code expected.json}: encoder features, greedy ids (through the KV
 * cache), full-vocabulary and bin-restricted log-probs, top-5 lists and teacher-forced log-probs. Every size, id,
 * range and prompt comes from the fixture, so a second fixture of the same layout runs unchanged.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReferenceFixtureOnnxTest {
    static final double LOGPROB_TOL = 1e-4;
    static final double HIDDEN_TOL = 1e-4;
    private JsonNode expected;
    private OnnxBackend backend;
    private Path built;

    @BeforeAll
    void open() throws IOException {
        expected = new ObjectMapper().readTree(Fixtures.referenceFixture().resolve("expected.json").toFile());
        built = Fixtures.built("reference");
        backend = OnnxBackend.open(ModelPackage.open(built.resolve("package")), SessionSettings.DEFAULT.withThreads(2));
    }

    @AfterAll
    void close() {
        backend.close();
    }

    @TestFactory
    Stream<DynamicTest> cases() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String section : List.of("caption", "grounding", "vqa")) {
            JsonNode cases = required(expected, section, "expected.json");
            assertTrue(cases.size() > 0, "expected.json has no " + section + " case");
            for (JsonNode c : cases) {
                tests.add(DynamicTest.dynamicTest(section + " " + c.get("image").asText() + " @" + c.get("size").asInt(),
                        () -> checkCase(section, c)));
            }
        }
        return tests.stream();
    }

    /**
     * A field the fixture's README promises for this section; its absence fails (a renamed field must not turn the
     * check into a silent pass).
     */
    private static JsonNode required(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        assertTrue(v != null && !v.isNull(), where + " lacks the field '" + field + "'");
        return v;
    }

    private void checkCase(String section, JsonNode c) {
        Floats images = Npy.floats(built.resolve("images_" + c.get("image").asText() + "_" + c.get("size").asInt()
                + ".npy"));
        long[] ids = longs(c.get("input_ids"));
        Map<String, Object> enc = backend.run("encoder", Map.of("patch_images", images,
                "input_ids", new Longs(ids, new long[]{1, ids.length})));
        Floats hidden = (Floats) enc.get("encoder_hidden_states");
        JsonNode e = required(c, "encoder", section + " " + c.get("image").asText());
        for (String field : List.of("last_hidden_first8", "position_embedding_first8")) {
            assertTrue(required(e, field, "encoder").size() > 0, "encoder." + field + " is empty");
        }
        assertEquals(e.get("seq_len").asInt(), hidden.dim(1), "encoder sequence length");
        int d = (int) hidden.dim(2);
        e.get("last_hidden_first8").fields().forEachRemaining(f -> assertFirst8("last_hidden at " + f.getKey(),
                f.getValue(), hidden.data(), Integer.parseInt(f.getKey()) * d));
        Floats position = (Floats) enc.get("encoder_position_embedding");
        e.get("position_embedding_first8").fields().forEachRemaining(f -> assertFirst8("position at " + f.getKey(),
                f.getValue(), position.data(), Integer.parseInt(f.getKey()) * d));

        Map<String, Object> cross = backend.run("cross_kv", Map.of("encoder_hidden_states", hidden,
                "encoder_position_embedding", position));
        String where = section + " " + c.get("image").asText();
        // Grounding restricts decoding to the bins; caption and VQA decode over the full vocabulary.
        int[] allowed = null;
        if (section.equals("grounding")) {
            JsonNode range = required(c, "allowed_id_range", where);
            allowed = new int[]{range.get(0).asInt(), range.get(1).asInt()};
        }
        JsonNode greedy = required(c, "greedy", where);
        for (String field : List.of("ids", "logprobs", "logprobs_full_vocab", "top5_ids", "top5_logprobs",
                "logits_first8")) {
            required(greedy, field, where + " greedy");
        }
        int steps = greedy.get("ids").size();
        Map<String, Object> past = GraphParityTest.emptyPast(backend.modelPackage().config(), 1);
        long token = expected.get("vocab").get("bos").asLong();
        for (int t = 0; t < steps; t++) {
            Map<String, Object> out = decode(cross, past, enc.get("encoder_padding_mask"), new long[]{token});
            float[] logits = ((Floats) out.get("logits")).data();
            double[] full = logSoftmax(logits, 0, logits.length);
            double[] restricted = allowed == null ? full : logSoftmaxRange(logits, allowed[0], allowed[1]);
            int best = argmax(restricted);
            assertEquals(greedy.get("ids").get(t).asInt(), best, "greedy id at step " + t);
            assertNear("logprob at step " + t, greedy.get("logprobs").get(t).asDouble(), restricted[best]);
            assertNear("full-vocab logprob at step " + t, greedy.get("logprobs_full_vocab").get(t).asDouble(),
                    full[best]);
            for (int k = 0; k < greedy.get("top5_ids").get(t).size(); k++) {
                int id = greedy.get("top5_ids").get(t).get(k).asInt();
                assertNear("top5[" + k + "] logprob at step " + t, greedy.get("top5_logprobs").get(t).get(k).asDouble(),
                        restricted[id]);
            }
            JsonNode first8 = greedy.get("logits_first8").get(t);
            assertEquals(8, first8.size(), "logits_first8 at step " + t);
            for (int k = 0; k < 8; k++) {
                assertNear("logit " + k + " at step " + t, first8.get(k).asDouble(), logits[k]);
            }
            past = nextPast(out);
            token = best;
        }
        // Each section's teacher-forced part, as the README lists them: VQA has none.
        String forced = switch (section) {
            case "caption" -> "teacher_forced";
            case "grounding" -> "teacher_forced_bins";
            default -> null;
        };
        if (forced != null) {
            String forcedKey = forced;
            JsonNode tf = required(c, forcedKey, where);
            long[] dec = longs(tf.get("decoder_input_ids"));
            Map<String, Object> out = decode(cross, GraphParityTest.emptyPast(backend.modelPackage().config(), 1),
                    enc.get("encoder_padding_mask"), dec);
            float[] logits = ((Floats) out.get("logits")).data();
            int vocab = logits.length / dec.length;
            double sum = 0;
            for (int t = 0; t < dec.length; t++) {
                double[] lp = logSoftmax(logits, t * vocab, vocab);
                int target = tf.get("target_ids").get(t).asInt();
                assertNear(forcedKey + " logprob at " + t, tf.get("logprobs").get(t).asDouble(), lp[target]);
                assertEquals(tf.get("argmax_ids").get(t).asInt(), argmax(lp), forcedKey + " argmax at " + t);
                sum += lp[target];
            }
            assertNear(forcedKey + " sum", tf.get("sum_logprob").asDouble(), sum);
        }
    }

    private Map<String, Object> decode(Map<String, Object> cross, Map<String, Object> past, Object mask, long[] ids) {
        Map<String, Object> inputs = new HashMap<>(cross);
        inputs.putAll(past);
        inputs.put("encoder_padding_mask", mask);
        inputs.put("input_ids", new Longs(ids, new long[]{1, ids.length}));
        inputs.put("past_order", GraphParityTest.identity(1));
        return backend.run("decoder", inputs);
    }

    private Map<String, Object> nextPast(Map<String, Object> out) {
        Map<String, Object> past = new HashMap<>();
        for (int i = 0; i < backend.modelPackage().config().decoderLayers(); i++) {
            past.put("past_key_" + i, out.get("present_key_" + i));
            past.put("past_value_" + i, out.get("present_value_" + i));
        }
        return past;
    }

    static double[] logSoftmax(float[] x, int from, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[from + i]);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += Math.exp(x[from + i] - max);
        }
        double log = max + Math.log(sum);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = x[from + i] - log;
        }
        return out;
    }

    static double[] logSoftmaxRange(float[] x, int lo, int hi) {
        double[] part = logSoftmax(x, lo, hi - lo);
        double[] out = new double[x.length];
        java.util.Arrays.fill(out, Double.NEGATIVE_INFINITY);
        System.arraycopy(part, 0, out, lo, part.length);
        return out;
    }

    static int argmax(double[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }

    private static void assertFirst8(String what, JsonNode want, float[] data, int offset) {
        for (int k = 0; k < want.size(); k++) {
            double diff = Math.abs(want.get(k).asDouble() - data[offset + k]);
            assertTrue(diff <= HIDDEN_TOL, what + "[" + k + "]: expected " + want.get(k).asDouble() + ", got "
                    + data[offset + k]);
        }
    }

    private static void assertNear(String what, double want, double got) {
        assertTrue(Math.abs(want - got) <= LOGPROB_TOL, what + ": expected " + want + ", got " + got);
    }

    private static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }
}
