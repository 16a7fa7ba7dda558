package ai.ofa.jobs.report;

import java.util.List;
import java.util.Map;

/** What a report shows, gathered by {@link ReportJob} and rendered by {@link HtmlReport}. */
public record ReportModel(String output, long rows, long sampleSeed, List<Map<String, Object>> runs,
                          List<TaskCount> tasks, List<ErrorReason> errors, List<Card> cards) {

    public record TaskCount(String task, long ok, long error) {
    }

    /** One error reason of one task, with how often it happened and example keys. */
    public record ErrorReason(String task, String reason, long count, List<String> exampleKeys) {
    }

    /** A sampled row: its thumbnail (a data URI, or null when the image is unavailable) and its task results. */
    public record Card(String key, Thumbnail thumbnail, String imageProblem, List<TaskView> results) {
    }

    /** A JPEG thumbnail and the size of the original image, the coordinate space of every box. */
    public record Thumbnail(String dataUri, int originalWidth, int originalHeight) {
    }

    public record Box(double x0, double y0, double x1, double y1) {
    }

    public record Detected(String label, Box box, double score) {
    }

    /**
     * One task's result for a row; the fields the task has are set. {@code input} is its text input, if any;
     * {@code generated} the image a generate task drew (a thumbnail of its PNG), or {@code generatedProblem} why it
     * cannot be shown; {@code codes} a summary of image codes (a codes or generate task).
     */
    public record TaskView(String task, String status, String error, String input, String text, String label,
                           String answer, Double score, Box box, List<Detected> detections, Thumbnail generated,
                           String generatedProblem, String codes, Double probability) {
        public TaskView(String task, String status, String error, String input, String text, String label,
                        String answer, Double score, Box box, List<Detected> detections, Thumbnail generated,
                        String generatedProblem, String codes) {
            this(task, status, error, input, text, label, answer, score, box, detections, generated,
                    generatedProblem, codes, null);
        }

        public TaskView(String task, String status, String error, String input, String text, String label,
                        String answer, Double score, Box box, List<Detected> detections) {
            this(task, status, error, input, text, label, answer, score, box, detections, null, null, null, null);
        }
    }
}
