package ai.ofa.jobs.corpus.dedup;

import ai.ofa.jobs.corpus.PhotoLeakageBench;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The leakage benchmark on Debian's photographs (scripts/setup.sh installs the packages), at the job's defaults:
 * PDQ at {@link CorpusDefaults#PDQ_MAX_DISTANCE} with evaluation images indexed under their crops. Prints the
 * table; asserts the goal's recall and precision over the edits up to 5% crops, and that chance matches at
 * 20M x 150k stay under 100. The originals are scaled to 640 px here (the bench uses 1024) to keep the suite short.
 */
public class LeakageBenchmarkTest {
    @Test
    void pdqCatchesEditedCopiesOfRealPhotosAndKeepsUnrelatedOnesApart() throws Exception {
        List<Path> pool = PhotoLeakageBench.debianPhotos();
        assertTrue(pool.size() >= 60, "Debian photo packages missing (scripts/setup.sh): " + pool.size() + " photos");
        int k = CorpusDefaults.PDQ_MAX_DISTANCE;
        PhotoLeakageBench.Result r = PhotoLeakageBench.run(pool, ImageHash.PDQ, new int[]{k}, 640,
                CorpusDefaults.PDQ_EVAL_CROPS).get(0);
        PhotoLeakageBench.json(r, ImageHash.PDQ, k).forEach(System.out::println);
        double[] goal = r.goal();
        assertTrue(goal[0] >= 0.95, "recall over the goal's edits " + goal[0]);
        assertTrue(goal[1] >= 0.99, "precision over the goal's edits " + goal[1]);
        assertTrue(r.chanceAt20Mx150k() <= 100, "expected chance matches " + r.chanceAt20Mx150k());
        for (String e : List.of("reencode_q90", "jpeg_q50", "resize_50", "grey", "brightness_-30")) {
            assertTrue(r.recall(e) >= 0.97, e + " recall " + r.recall(e));
        }
    }
}
