package ai.ofa.jobs.evaluate.metrics;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** VQA, grounding and classification metrics on hand-computed cases. */
class TaskMetricsTest {
    private static List<String> answers(Object... countAndAnswer) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < countAndAnswer.length; i += 2) {
            out.addAll(Collections.nCopies((Integer) countAndAnswer[i], (String) countAndAnswer[i + 1]));
        }
        return out;
    }

    @Test
    void vqaAccuracyAveragesTheTenLeaveOneOutSubsets() {
        assertEquals(1.0, VqaAccuracy.score("yes", answers(10, "yes")), 1e-12);
        // 2 x red, 8 x blue, answer red: leaving out a red gives 1/3, leaving out a blue 2/3 -> (2/3 + 16/3) / 10
        assertEquals(0.6, VqaAccuracy.score("red", answers(2, "red", 8, "blue")), 1e-12);
        assertEquals(1.0, VqaAccuracy.score("blue", answers(2, "red", 8, "blue")), 1e-12);
        assertEquals(0.0, VqaAccuracy.score("green", answers(2, "red", 8, "blue")), 1e-12);
        // 3 matches: leaving one of them out leaves 2 (2/3), leaving another out leaves 3 (1) -> (3*2/3 + 7) / 10
        assertEquals(0.9, VqaAccuracy.score("cat", answers(3, "cat", 7, "dog")), 1e-12);
    }

    @Test
    void vqaNormalisesNumbersArticlesAndPunctuationWhenHumansDisagree() {
        assertEquals(1.0, VqaAccuracy.score("Two.", answers(4, "two", 6, "2")), 1e-12);
        assertEquals(1.0, VqaAccuracy.score("the dog", answers(3, "a dog", 7, "dog")), 1e-12);
        assertEquals(1.0, VqaAccuracy.score("dont know", answers(5, "don't know", 5, "do not know")), 1e-12);
        assertEquals("2.5 m", VqaAccuracy.normalize("2.5 m."));
        assertEquals("1000", VqaAccuracy.normalize("1,000"), "with a comma inside a number, punctuation is deleted");
        assertEquals("red blue", VqaAccuracy.normalize("red,blue"), "otherwise it becomes a space");
        // when all ten humans agree, no normalisation: the exact string must match
        assertEquals(0.0, VqaAccuracy.score("Yes", answers(10, "yes")), 1e-12);
    }

    @Test
    void groundingCountsIouAtLeastHalfAndMissingAsWrong() {
        GroundingAccuracy.Result r = GroundingAccuracy.score(
                Arrays.asList(new double[]{0, 0, 10, 10}, new double[]{0, 0, 10, 10}, null),
                List.of(new double[]{0, 0, 10, 20}, new double[]{5, 5, 15, 15}, new double[]{0, 0, 1, 1}), 0.5);
        assertEquals(0.5, r.ious()[0], 1e-12, "100 / 200");
        assertEquals(25.0 / 175, r.ious()[1], 1e-12);
        assertEquals(1.0 / 3, r.accuracy(), 1e-12);
        assertEquals(1, r.missing());
    }

    @Test
    void classificationAccuracyAndPerClassTable() {
        Classification.Result r = Classification.score(Arrays.asList("cat", "dog", "dog", null, "cat"),
                List.of("cat", "cat", "dog", "dog", "bird"));
        assertEquals(2.0 / 5, r.accuracy(), 1e-12);
        assertEquals(1, r.missing());
        Classification.PerClass cat = r.perClass().get("cat");
        assertEquals(2, cat.support());
        assertEquals(1, cat.correct());
        assertEquals(0.5, cat.precision(), 1e-12, "predicted cat twice, right once");
        assertEquals(0.5, cat.recall(), 1e-12);
        assertEquals(0.0, r.perClass().get("bird").recall(), 1e-12);
        assertEquals(0.5, r.perClass().get("dog").recall(), 1e-12);
    }
}
