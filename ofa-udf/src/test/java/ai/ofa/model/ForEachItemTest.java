package ai.ofa.model;

import ai.ofa.task.Captioning;
import ai.ofa.task.OfaResult;
import ai.ofa.task.Outcome;
import ai.ofa.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Per-item preprocessing runs on the session's thread count: alone on the caller at 1, in parallel above. */
class ForEachItemTest {
    private static final Path PKG = Fixtures.projectRoot().resolve("models/ofa-tiny-random");

    @Test
    void oneThreadRunsEveryItemOnTheCaller() {
        try (OfaModel model = OfaModel.load(PKG, SessionSettings.DEFAULT)) {
            Set<Thread> seen = ConcurrentHashMap.newKeySet();
            AtomicIntegerArray ran = new AtomicIntegerArray(5);
            model.forEachItem(5, i -> {
                seen.add(Thread.currentThread());
                ran.incrementAndGet(i);
            });
            assertEquals(Set.of(Thread.currentThread()), seen);
            for (int i = 0; i < 5; i++) {
                assertEquals(1, ran.get(i));
            }
        }
    }

    @Test
    void twoThreadsRunItemsAtTheSameTimeAndReportTheFirstFailureAfterAllRan() throws Exception {
        try (OfaModel model = OfaModel.load(PKG, SessionSettings.DEFAULT.withThreads(2))) {
            CountDownLatch both = new CountDownLatch(2);
            // each of the first two items waits for the other: this only finishes if they run concurrently
            model.forEachItem(2, i -> {
                both.countDown();
                try {
                    assertTrue(both.await(10, TimeUnit.SECONDS), "items 0 and 1 did not run at the same time");
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            AtomicIntegerArray ran = new AtomicIntegerArray(6);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.forEachItem(6, i -> {
                ran.incrementAndGet(i);
                if (i == 2 || i == 4) {
                    throw new IllegalArgumentException("item " + i + " is bad");
                }
            }));
            assertEquals("item 2 is bad", e.getMessage());
            for (int i = 0; i < 6; i++) {
                assertEquals(1, ran.get(i), "item " + i);
            }
        }
    }

    @Test
    void parallelPreprocessingGivesTheSameCaptionsAndKeepsBadItemsApart() throws Exception {
        List<byte[]> images = List.of(
                Files.readAllBytes(Fixtures.projectRoot().resolve("examples/images/astronaut.png")),
                new byte[]{1, 2, 3},
                Files.readAllBytes(Fixtures.projectRoot().resolve("examples/images/hubble_deep_field.jpg")));
        List<Outcome<OfaResult>>[] runs = new List[2];
        for (int t = 1; t <= 2; t++) {
            try (OfaModel model = OfaModel.load(PKG, SessionSettings.DEFAULT.withThreads(t))) {
                runs[t - 1] = new Captioning(model, Captioning.DEFAULTS.withBeam(2).withMaxLen(4)).run(images);
            }
        }
        for (List<Outcome<OfaResult>> run : runs) {
            assertTrue(run.get(0).isOk() && run.get(2).isOk());
            assertFalse(run.get(1).isOk());
            assertTrue(run.get(1).error().startsWith("item 1: "), run.get(1).error());
        }
        assertArrayEquals(runs[0].get(0).get().tokens(), runs[1].get(0).get().tokens());
        assertArrayEquals(runs[0].get(2).get().tokens(), runs[1].get(2).get().tokens());
    }
}
