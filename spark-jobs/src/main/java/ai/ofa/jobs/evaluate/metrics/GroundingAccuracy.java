package ai.ofa.jobs.evaluate.metrics;

import java.util.List;

/**
 * Visual grounding accuracy, the RefCOCO convention: a referring expression is right when the predicted box's IoU
 * with the gold box is at least 0.5; an expression without a prediction is wrong.
 *
 * <pre>{@code GroundingAccuracy.Result r = GroundingAccuracy.score(predicted, gold, 0.5);}</pre>
 */
public final class GroundingAccuracy {
    public record Result(double accuracy, double[] ious, int missing) {
    }

    private GroundingAccuracy() {
    }

    /** {@code predicted.get(i)} is null where expression i has no prediction. */
    public static Result score(List<double[]> predicted, List<double[]> gold, double threshold) {
        if (predicted.size() != gold.size()) {
            throw new IllegalArgumentException(predicted.size() + " predictions for " + gold.size() + " gold boxes");
        }
        double[] ious = new double[gold.size()];
        int right = 0;
        int missing = 0;
        for (int i = 0; i < gold.size(); i++) {
            if (predicted.get(i) == null) {
                missing++;
                continue;
            }
            ious[i] = Boxes.iou(predicted.get(i), gold.get(i));
            if (ious[i] >= threshold) {
                right++;
            }
        }
        return new Result(gold.isEmpty() ? 0 : right / (double) gold.size(), ious, missing);
    }
}
