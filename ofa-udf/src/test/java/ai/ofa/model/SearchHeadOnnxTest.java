package ai.ofa.model;

import ai.ofa.generate.Constraint;
import ai.ofa.generate.Hypothesis;
import ai.ofa.generate.SearchSettings;
import ai.ofa.image.RgbImage;
import ai.ofa.task.Captioning;
import ai.ofa.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ONNX search head (log-softmax, top-k and gather in ONNX Runtime) against the same numbers computed in Java
 * from the full logits, on the test package: beam search picks the same hypotheses, teacher forcing gives the
 * same log-probs.
 */
class SearchHeadOnnxTest {
    private static OfaModel model;
    private static EncodedBatch encoded;

    @BeforeAll
    static void encode() throws Exception {
        model = OfaModel.load(Fixtures.projectRoot().resolve("models/ofa-tiny-random"), SessionSettings.DEFAULT);
        RgbImage a = model.imageDecoder().decode(Files.readAllBytes(
                Fixtures.projectRoot().resolve("examples/images/astronaut.png")));
        RgbImage b = model.imageDecoder().decode(Files.readAllBytes(
                Fixtures.projectRoot().resolve("examples/images/hubble_deep_field.jpg")));
        int[] prompt = model.tokenizer().encode(Captioning.PROMPT);
        encoded = model.encode(List.of(a, b), List.of(prompt, prompt), 64);
    }

    @AfterAll
    static void close() {
        encoded.close();
        model.close();
    }

    @Test
    void beamSearchThroughTheHeadMatchesTheJavaSideSearch() {
        Constraint javaSide = (sentence, prefix, logits, offset, vocab) -> { };   // any constraint skips the head
        for (SearchSettings s : List.of(SearchSettings.beam(5).withMaxLen(8), SearchSettings.greedy().withMaxLen(6),
                SearchSettings.beam(3).withMinLen(4).withMaxLen(6).withNoRepeatNgram(2))) {
            List<List<Hypothesis>> head = model.generate(encoded, s, Constraint.NONE);
            List<List<Hypothesis>> java = model.generate(encoded, s, javaSide);
            for (int i = 0; i < 2; i++) {
                assertEquals(java.get(i).size(), head.get(i).size(), s.toString());
                for (int j = 0; j < java.get(i).size(); j++) {
                    Hypothesis x = java.get(i).get(j);
                    Hypothesis y = head.get(i).get(j);
                    assertArrayEquals(x.tokens(), y.tokens(), s + " sentence " + i + " hypothesis " + j);
                    assertArrayEquals(x.tokenLogprobs(), y.tokenLogprobs(), 1e-5f);
                    assertEquals(x.score(), y.score(), 1e-5);
                }
            }
        }
    }

    @Test
    void constrainedSearchThroughTheHeadMatchesTheJavaSideSearch() {
        VocabularyLayout v = model.modelPackage().vocabulary();
        ai.ofa.generate.PrefixTrie trie = new ai.ofa.generate.PrefixTrie();
        for (String answer : List.of(" yes", " no", " two cats", " a red car")) {
            int[] pieces = model.tokenizer().encode(answer);
            int[] withEos = java.util.Arrays.copyOf(pieces, pieces.length + 1);
            withEos[pieces.length] = model.modelPackage().specialIds().eos();
            trie.insert(withEos);
        }
        List<Constraint> listing = List.of(Constraint.allowedRange(v.binFirstId(), v.binFirstId() + v.numBins(),
                model.modelPackage().specialIds().eos(), 4), trie.constraint());
        SearchSettings s = SearchSettings.beam(5).withMaxLen(6);
        for (Constraint c : listing) {
            Constraint hidden = c::apply;   // the same rule, unable to list its ids: full logits in Java
            List<List<Hypothesis>> head = model.generate(encoded, s, c);
            List<List<Hypothesis>> java = model.generate(encoded, s, hidden);
            for (int i = 0; i < 2; i++) {
                assertEquals(java.get(i).size(), head.get(i).size());
                for (int j = 0; j < java.get(i).size(); j++) {
                    assertArrayEquals(java.get(i).get(j).tokens(), head.get(i).get(j).tokens());
                    assertArrayEquals(java.get(i).get(j).tokenLogprobs(), head.get(i).get(j).tokenLogprobs(), 1e-5f);
                }
            }
        }
    }

    @Test
    void teacherForcedLogprobsMatchTheFullLogits() {
        List<int[]> targets = List.of(new int[]{10, 20, 30, 2}, new int[]{70, 2}, new int[]{40, 2},
                new int[]{50, 60, 2});
        int[] owner = {0, 0, 1, 1};
        float[][] viaHead = model.teacherForce(encoded, targets, owner);
        int width = 4;
        long[] input = new long[4 * width];
        java.util.Arrays.fill(input, 1);
        for (int r = 0; r < 4; r++) {
            input[r * width] = 0;
            for (int i = 0; i + 1 < targets.get(r).length; i++) {
                input[r * width + i + 1] = targets.get(r)[i];
            }
        }
        float[] logits;
        try (KvCacheDecoder dec = new KvCacheDecoder(model.backend(), encoded, owner)) {
            logits = dec.run(new Longs(input, new long[]{4, width})).data();
        }
        int vocab = model.modelPackage().config().vocabSize();
        for (int r = 0; r < 4; r++) {
            assertEquals(targets.get(r).length, viaHead[r].length);
            for (int i = 0; i < targets.get(r).length; i++) {
                double[] lp = ReferenceFixtureOnnxTest.logSoftmax(logits, (r * width + i) * vocab, vocab);
                assertEquals(lp[targets.get(r)[i]], viaHead[r][i], 1e-5, "target " + r + " token " + i);
            }
        }
    }

    @Test
    void unevenSentenceGroupsAreRefusedClearly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.teacherForce(encoded, List.of(new int[]{10, 2}, new int[]{20, 2}, new int[]{30, 2}),
                        new int[]{0, 1, 1}));
        assertTrue(e.getMessage().contains("equal sentence-major groups, got [0, 1, 1]"), e.getMessage());
    }

    @Test
    void kOutsideTheVocabularyIsRefused() {
        try (KvCacheDecoder dec = new KvCacheDecoder(model.backend(), encoded, new int[]{0, 1})) {
            int vocab = model.modelPackage().config().vocabSize();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> dec.stepTop(new long[]{0, 0}, vocab + 1, new int[]{2, 2}, 1));
            assertTrue(e.getMessage().contains("k = " + (vocab + 1)) && e.getMessage().contains("[1, " + vocab + "]"),
                    e.getMessage());
        }
    }
}
