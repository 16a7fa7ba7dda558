package ai.ofa.jobs.evaluate;

import java.util.List;

/**
 * One row of predictions, as the evaluation needs it (read from an OFA result column by {@link EvaluateJob}).
 * Fields the task does not produce are null; {@code error} is set when the row's status was error.
 */
public record Prediction(String key, String text, String label, String answer, double[] box,
                         List<DetectedBox> detections, String error) {
    public record DetectedBox(String label, double[] box, double score) {
    }
}
