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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The converter's heart: every exported graph, run by ONNX Runtime Java, gives the PyTorch model's numbers
 * (max abs diff <= 1e-4 in fp32) for encoder states, padding mask, position states, decoder logits at the first
 * step and at later steps through the KV cache, and a teacher-forced multi-token call; at 256/480/512 px, batch 1
 * and batch 3 with padded prompts of different lengths. Two packages: the reference fixture's checkpoint converted,
 * and a generated checkpoint of another size family (ResNet-101, other depths).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GraphParityTest {
    static final double TOLERANCE = 1e-4;
    private final List<OnnxBackend> backends = new ArrayList<>();

    @BeforeAll
    void checkFixtures() {
        Fixtures.built("reference/parity/cases.json");
        Fixtures.built("generated/parity/cases.json");
    }

    @AfterAll
    void close() {
        backends.forEach(OnnxBackend::close);
    }

    @TestFactory
    Stream<DynamicTest> referenceCheckpoint() throws IOException {
        return cases("reference");
    }

    @TestFactory
    Stream<DynamicTest> generatedCheckpointOfAnotherFamily() throws IOException {
        return cases("generated");
    }

    private Stream<DynamicTest> cases(String which) throws IOException {
        ModelPackage pkg = ModelPackage.open(Fixtures.built(which + "/package"));
        OnnxBackend backend = OnnxBackend.open(pkg, SessionSettings.DEFAULT.withThreads(2));
        backends.add(backend);
        Path dir = Fixtures.built(which + "/parity");
        JsonNode index = new ObjectMapper().readTree(dir.resolve("cases.json").toFile());
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : index.get("cases")) {
            tests.add(DynamicTest.dynamicTest(which + " " + c.get("name").asText(), () -> checkCase(backend, dir, c)));
        }
        return tests.stream();
    }

    static void checkCase(OnnxBackend backend, Path dir, JsonNode c) {
        ModelConfig cfg = backend.modelPackage().config();
        Map<String, Object> enc = backend.run("encoder", Map.of(
                "patch_images", Npy.read(dir.resolve(c.get("patch_images").asText())),
                "input_ids", Npy.read(dir.resolve(c.get("input_ids").asText()))));
        Floats hidden = (Floats) enc.get("encoder_hidden_states");
        assertClose("encoder_hidden_states", Npy.floats(dir.resolve(c.get("encoder_hidden_states").asText())), hidden);
        assertClose("encoder_position_embedding",
                Npy.floats(dir.resolve(c.get("encoder_position_embedding").asText())),
                (Floats) enc.get("encoder_position_embedding"));
        Bools mask = (Bools) enc.get("encoder_padding_mask");
        assertArrayEquals(((Bools) Npy.read(dir.resolve(c.get("encoder_padding_mask").asText()))).data(), mask.data(),
                "encoder_padding_mask");
        int batch = c.get("batch").asInt();
        if (batch > 1) {
            assertTrue(anyTrue(mask.data()), "batch " + batch + " case must exercise padding");
        }

        Map<String, Object> cross = backend.run("cross_kv", Map.of(
                "encoder_hidden_states", hidden, "encoder_position_embedding", enc.get("encoder_position_embedding")));
        int rows = batch * c.get("beams").asInt();
        Map<String, Object> past = emptyPast(cfg, rows);
        for (JsonNode step : c.get("steps")) {
            Map<String, Object> inputs = new HashMap<>(cross);
            inputs.putAll(past);
            inputs.put("input_ids", Npy.read(dir.resolve(step.get("input_ids").asText())));
            inputs.put("past_order", Npy.read(dir.resolve(step.get("past_order").asText())));
            inputs.put("encoder_padding_mask", mask);
            Map<String, Object> out = backend.run("decoder", inputs);
            assertClose("logits " + step.get("logits").asText(), Npy.floats(dir.resolve(step.get("logits").asText())),
                    (Floats) out.get("logits"));
            past = new HashMap<>();
            for (int i = 0; i < cfg.decoderLayers(); i++) {
                past.put("past_key_" + i, out.get("present_key_" + i));
                past.put("past_value_" + i, out.get("present_value_" + i));
            }
        }
        JsonNode forced = c.get("teacher_forced");
        Map<String, Object> inputs = new HashMap<>(cross);
        inputs.putAll(emptyPast(cfg, batch));
        inputs.put("past_order", identity(batch));
        inputs.put("input_ids", Npy.read(dir.resolve(forced.get("input_ids").asText())));
        inputs.put("encoder_padding_mask", mask);
        Map<String, Object> out = backend.run("decoder", inputs);
        assertClose("teacher-forced logits", Npy.floats(dir.resolve(forced.get("logits").asText())),
                (Floats) out.get("logits"));
        Floats presentKey = (Floats) out.get("present_key_0");
        assertEquals(c.get("steps").size(), presentKey.dim(2), "teacher-forced cache length");
    }

    static Map<String, Object> emptyPast(ModelConfig cfg, int batch) {
        Map<String, Object> past = new HashMap<>();
        for (int i = 0; i < cfg.decoderLayers(); i++) {
            long[] shape = {batch, cfg.decoderHeads(), 0, cfg.headDim()};
            past.put("past_key_" + i, new Floats(new float[0], shape));
            past.put("past_value_" + i, new Floats(new float[0], shape));
        }
        return past;
    }

    static Longs identity(int rows) {
        long[] o = new long[rows];
        for (int i = 0; i < rows; i++) {
            o[i] = i;
        }
        return new Longs(o, new long[]{rows});
    }

    static void assertClose(String what, Floats expected, Floats actual) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        double max = maxAbsDiff(expected.data(), actual.data());
        assertTrue(max <= TOLERANCE, what + ": max abs difference " + max + " > " + TOLERANCE);
    }

    static double maxAbsDiff(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            double d = Math.abs((double) a[i] - b[i]);
            if (!(d <= max)) {
                max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
            }
        }
        return max;
    }

    private static boolean anyTrue(boolean[] xs) {
        for (boolean x : xs) {
            if (x) {
                return true;
            }
        }
        return false;
    }
}
