package ai.ofa.jobs.evaluate.metrics;

import ai.ofa.jobs.evaluate.metrics.CocoDetectionEval.Detection;
import ai.ofa.jobs.evaluate.metrics.CocoDetectionEval.Gold;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * COCO box evaluation against hand computations that follow COCOeval's definitions (101 recall points, monotone
 * precision, area ranges, crowd regions, max detections).
 */
class CocoDetectionEvalTest {
    private static Gold gold(String img, int cat, double x0, double y0, double x1, double y1) {
        double[] b = {x0, y0, x1, y1};
        return new Gold(img, cat, b, Boxes.area(b), false);
    }

    private static Detection det(String img, int cat, double score, double x0, double y0, double x1, double y1) {
        return new Detection(img, cat, new double[]{x0, y0, x1, y1}, score);
    }

    @Test
    void oneFalsePositiveBetweenTwoHits() {
        // gold A (area 100) and B (area 400); detections by score: exact A, a false positive, B at IoU 0.78
        List<Gold> g = List.of(gold("i", 1, 0, 0, 10, 10), gold("i", 1, 20, 20, 40, 40));
        List<Detection> d = List.of(det("i", 1, 0.9, 0, 0, 10, 10), det("i", 1, 0.8, 50, 50, 60, 60),
                det("i", 1, 0.7, 20, 20, 40, 35.6));
        CocoDetectionEval.Summary s = CocoDetectionEval.evaluate(g, d);
        // IoU 0.50..0.75 (6 thresholds): recall [.5 .5 1], precision [1 .5 .667] -> monotone [1 .667 .667]:
        // 51 recall points at 1, 50 at 2/3. IoU 0.80..0.95 (4): B missed, 51 points at 1, 50 at 0.
        double low = (51 + 50 * 2.0 / 3) / 101;
        double high = 51.0 / 101;
        assertEquals(low, s.ap50(), 1e-9);
        assertEquals(low, s.ap75(), 1e-9);
        assertEquals((6 * low + 4 * high) / 10, s.ap(), 1e-9);
        assertEquals(s.ap(), s.apSmall(), 1e-12, "both gold boxes are small (< 32^2)");
        assertEquals(-1, s.apMedium(), 1e-12, "no medium gold box: -1, as COCOeval reports");
        assertEquals(-1, s.apLarge(), 1e-12);
        assertEquals((6 * 1.0 + 4 * 0.5) / 10, s.ar100(), 1e-9);
        assertEquals(0.5, s.ar1(), 1e-9, "one detection per image and category: only A is found");
        assertEquals(1.0, s.precisionAt50()[50], 1e-9);
        assertEquals(2.0 / 3, s.precisionAt50()[51], 1e-9);
    }

    @Test
    void detectionsInsideACrowdRegionAreNeitherHitsNorFalsePositives() {
        List<Gold> g = List.of(new Gold("i", 1, new double[]{0, 0, 100, 100}, 10000, true),
                gold("i", 1, 200, 200, 210, 210));
        List<Detection> d = List.of(det("i", 1, 0.9, 10, 10, 20, 20), det("i", 1, 0.5, 200, 200, 210, 210));
        assertEquals(1.0, CocoDetectionEval.evaluate(g, d).ap(), 1e-9);
        // the same detection with the region not marked crowd is a false positive ranked first
        List<Gold> notCrowd = List.of(gold("i", 1, 0, 0, 100, 100), gold("i", 1, 200, 200, 210, 210));
        assertTrue(CocoDetectionEval.evaluate(notCrowd, d).ap() < 0.6);
    }

    @Test
    void categoriesAreAveragedAndWrongCategoriesDoNotMatch() {
        List<Gold> g = List.of(gold("a", 1, 0, 0, 50, 50), gold("b", 2, 0, 0, 50, 50));
        List<Detection> d = List.of(det("a", 1, 0.9, 0, 0, 50, 50), det("b", 1, 0.9, 0, 0, 50, 50));
        CocoDetectionEval.Summary s = CocoDetectionEval.evaluate(g, d);
        assertEquals(1.0, s.apPerCategory().get(1), 1e-9,
                "category 1: its hit comes first; the other image's category-1 box is a later false positive");
        assertEquals(0.0, s.apPerCategory().get(2), 1e-9, "category 2 has no detection");
        assertEquals(0.5, s.ap(), 1e-9);
        assertEquals(-1, s.apSmall(), 1e-12, "2500 px^2 boxes are medium");
        assertEquals(0.5, s.apMedium(), 1e-9);
    }

    @Test
    void onlyTheHundredBestDetectionsPerImageAndCategoryCount() {
        List<Gold> g = List.of(gold("i", 1, 0, 0, 10, 10));
        List<Detection> d = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            d.add(det("i", 1, 0.9, 500 + i, 500, 510 + i, 510));    // 100 false positives, all better scored
        }
        d.add(det("i", 1, 0.1, 0, 0, 10, 10));                      // the hit, 101st
        assertEquals(0.0, CocoDetectionEval.evaluate(g, d).ar100(), 1e-12);
        d.remove(0);
        assertEquals(1.0, CocoDetectionEval.evaluate(g, d).ar100(), 1e-12);
    }
}
