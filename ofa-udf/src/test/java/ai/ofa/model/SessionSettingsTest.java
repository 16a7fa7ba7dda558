package ai.ofa.model;

import ai.ofa.generate.Constraint;
import ai.ofa.generate.Hypothesis;
import ai.ofa.generate.SearchSettings;
import ai.ofa.image.RgbImage;
import ai.ofa.task.Captioning;
import ai.ofa.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SessionSettingsTest {
    @Test
    void defaultsAndCopies() {
        assertEquals(1, SessionSettings.DEFAULT.intraOpThreads());
        assertFalse(SessionSettings.DEFAULT.spinWait(), "workers do not spin unless asked");
        SessionSettings s = SessionSettings.DEFAULT.withThreads(2).withSpinWait(true).withDevice(Device.CPU);
        assertEquals(2, s.intraOpThreads());
        assertTrue(s.spinWait());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.withThreads(0));
        assertTrue(e.getMessage().contains("intraOpThreads must be >= 1, got 0"), e.getMessage());
    }

    @Test
    void spinningOrNotTwoThreadsGiveTheSameHypotheses() throws Exception {
        Path pkg = Fixtures.projectRoot().resolve("models/ofa-tiny-random");
        byte[] png = Files.readAllBytes(Fixtures.projectRoot().resolve("examples/images/astronaut.png"));
        int[][] tokens = new int[2][];
        float[][] logprobs = new float[2][];
        for (int i = 0; i < 2; i++) {
            SessionSettings s = SessionSettings.DEFAULT.withThreads(2).withSpinWait(i == 1);
            try (OfaModel model = OfaModel.load(pkg, s)) {
                RgbImage img = model.imageDecoder().decode(png);
                try (EncodedBatch enc = model.encode(List.of(img), List.of(model.tokenizer().encode(Captioning.PROMPT)),
                        64)) {
                    Hypothesis h = model.generate(enc, SearchSettings.beam(3).withMaxLen(6), Constraint.NONE)
                            .get(0).get(0);
                    tokens[i] = h.tokens();
                    logprobs[i] = h.tokenLogprobs();
                }
            }
        }
        assertArrayEquals(tokens[0], tokens[1]);
        assertArrayEquals(logprobs[0], logprobs[1], 1e-6f);
    }
}
