package ai.ofa.task;

import ai.ofa.model.OfaModel;
import ai.ofa.model.SessionSettings;
import ai.ofa.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** One shared model serves several threads at once with the same answers as one thread alone. */
class ConcurrencyTest {
    @Test
    void sharedModelAnswersConcurrentCallersDeterministically() throws Exception {
        Path pkg = Fixtures.projectRoot().resolve("models/ofa-tiny-random");
        OfaModel model = OfaModel.shared(pkg, SessionSettings.DEFAULT);
        assertSame(model, OfaModel.shared(pkg, SessionSettings.DEFAULT), "one model per package and settings");
        List<byte[]> images = List.of(
                Files.readAllBytes(Fixtures.projectRoot().resolve("examples/images/astronaut.png")),
                Files.readAllBytes(Fixtures.projectRoot().resolve("examples/images/hubble_deep_field.jpg")));
        Captioning captioning = new Captioning(model, Captioning.DEFAULTS.withBeam(3).withMaxLen(5));
        List<Outcome<OfaResult>> alone = captioning.run(images);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<Outcome<OfaResult>>>> futures = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                futures.add(pool.submit(() -> captioning.run(images)));
            }
            for (Future<List<Outcome<OfaResult>>> f : futures) {
                List<Outcome<OfaResult>> got = f.get();
                for (int k = 0; k < images.size(); k++) {
                    assertArrayEquals(alone.get(k).get().tokens(), got.get(k).get().tokens());
                    assertArrayEquals(alone.get(k).get().tokenLogprobs(), got.get(k).get().tokenLogprobs());
                }
            }
        } finally {
            pool.shutdown();
        }
        model.close();   // a no-op for shared models: still usable
        captioning.run(images.subList(0, 1)).get(0).get();
    }
}
