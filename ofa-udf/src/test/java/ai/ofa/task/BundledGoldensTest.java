package ai.ofa.task;

import ai.ofa.generate.Constraint;
import ai.ofa.generate.Hypothesis;
import ai.ofa.generate.SearchSettings;
import ai.ofa.image.RgbImage;
import ai.ofa.model.EncodedBatch;
import ai.ofa.model.OfaModel;
import ai.ofa.model.SessionSettings;
import ai.ofa.model.VocabularyLayout;
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
 * The whole Java path (decode, Pillow-exact resize, BPE, encoder, KV-cache decoding, constraints, teacher forcing)
 * against PyTorch goldens of the bundled package: every task prompt of OFA.md on two real photos; greedy ids
 * identical, log-probs within 1e-4, teacher-forced log-probs within 1e-4.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BundledGoldensTest {
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
    Stream<DynamicTest> everyTaskPromptMatchesPyTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : goldens.get("cases")) {
            tests.add(DynamicTest.dynamicTest(c.get("task").asText() + " on " + c.get("image").asText(),
                    () -> check(c)));
        }
        return tests.stream();
    }

    private void check(JsonNode c) throws IOException {
        byte[] bytes = Files.readAllBytes(root.resolve(goldens.get("image_dir").asText()).resolve(c.get("file").asText()));
        RgbImage img = model.imageDecoder().decode(bytes);
        int[] prompt = model.tokenizer().encode(c.get("prompt").asText());
        assertArrayEquals(ints(c.get("input_ids")), prompt, "prompt ids");
        try (EncodedBatch enc = model.encode(List.of(img), List.of(prompt), c.get("size").asInt())) {
            check(c, enc);
        }
    }

    private void check(JsonNode c, EncodedBatch enc) {
        int[] want = ints(c.get("greedy_ids"));
        VocabularyLayout v = model.modelPackage().vocabulary();
        boolean bins = c.get("mode").asText().equals("bins");
        SearchSettings greedy = SearchSettings.greedy().withMaxLen(want.length);
        Constraint constraint = bins ? Constraint.allowedRange(v.binFirstId(), v.binFirstId() + v.numBins(),
                model.modelPackage().specialIds().eos(), 4) : Constraint.NONE;
        Hypothesis h = model.generate(enc, greedy, constraint).get(0).get(0);
        for (int t = 0; t < want.length; t++) {
            assertEquals(want[t], h.tokens()[t], "greedy id at step " + t);
            double wantLp = c.get("greedy_logprobs").get(t).asDouble();
            assertTrue(Math.abs(wantLp - h.tokenLogprobs()[t]) <= 1e-4, "greedy logprob at step " + t + ": "
                    + wantLp + " vs " + h.tokenLogprobs()[t]);
        }
        List<int[]> targets = new ArrayList<>();
        for (JsonNode tf : c.get("teacher_forced")) {
            int[] ids = model.tokenizer().encode(tf.get("target").asText());
            int[] target = java.util.Arrays.copyOfRange(ids, 1, ids.length);
            assertArrayEquals(ints(tf.get("target_ids")), target, "target ids of " + tf.get("target").asText());
            targets.add(target);
        }
        float[][] lp = model.teacherForce(enc, targets, new int[targets.size()]);
        for (int k = 0; k < targets.size(); k++) {
            JsonNode want2 = c.get("teacher_forced").get(k).get("logprobs");
            for (int t = 0; t < want2.size(); t++) {
                assertTrue(Math.abs(want2.get(t).asDouble() - lp[k][t]) <= 1e-4, "teacher-forced logprob " + k + "/"
                        + t + ": " + want2.get(t).asDouble() + " vs " + lp[k][t]);
            }
        }
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }
}
