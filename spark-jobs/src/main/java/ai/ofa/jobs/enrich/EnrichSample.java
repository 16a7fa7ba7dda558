package ai.ofa.jobs.enrich;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The answers of the first rows of an enrich output (by key), as text for the console: what {@code --show N}
 * prints after a run, with the grounding expression and the question the rows carry (from the input or
 * {@code --text-file}).
 *
 * <pre>
 * scene_1000002.png
 *   caption   an orange star
 *   ground    "the orange star" -> (119, 176, 188, 242)
 *   detect    star (119, 176, 188, 242)
 *   classify  an orange star
 *   vqa       "what shape is the orange one?" -> star
 * </pre>
 */
final class EnrichSample {
    private EnrichSample() {
    }

    static String describe(SparkSession spark, EnrichOptions o, int n) {
        List<Row> rows = spark.read().parquet(o.output() + "/data").orderBy(o.keyCol()).limit(n).collectAsList();
        StringBuilder sb = new StringBuilder(String.format("the first %d of the output's rows:%n", rows.size()));
        for (Row r : rows) {
            String key = String.valueOf(r.<Object>getAs(o.keyCol()));
            // a folder of image files is keyed by URI; the file name says enough here
            sb.append(o.inputFormat().equals("binaryfile") ? key.substring(key.lastIndexOf('/') + 1) : key)
                    .append('\n');
            for (EnrichOptions.Task task : o.tasks()) {
                String col = EnrichJob.TASK_COLUMNS.get(task.name());
                String asked = switch (task) {
                    case GROUND -> text(r, o.groundTextCol());
                    case VQA -> text(r, o.vqaQuestionCol());
                    default -> null;
                };
                sb.append(String.format("  %-9s %s%n", task.name().toLowerCase(Locale.ROOT),
                        answer(task, r.getAs(col), asked)));
            }
        }
        return sb.toString();
    }

    /** The row's text in a column, which the job keeps as input_NAME when a task's output is called NAME. */
    private static String text(Row r, String column) {
        List<String> names = List.of(r.schema().fieldNames());
        String name = names.contains("input_" + column) ? "input_" + column : column;
        if (!names.contains(name)) {
            return null;
        }
        Object v = r.getAs(name);
        return v == null ? null : v.toString();
    }

    static String answer(EnrichOptions.Task task, Row result, String text) {
        if (result == null) {
            return "(no result)";
        }
        if (!"ok".equals(result.getAs("status"))) {
            return "error: " + result.getAs("error");
        }
        String asked = text == null ? "" : "\"" + text + "\" -> ";
        return switch (task) {
            case CAPTION -> result.getAs("text");
            case GROUND -> asked + box(result.getAs("box"));
            case DETECT -> detections(result.getList(result.fieldIndex("detections")));
            case CLASSIFY -> result.getAs("label");
            case VQA -> asked + result.getAs("answer");
        };
    }

    private static String detections(List<Row> found) {
        if (found == null || found.isEmpty()) {
            return "(nothing)";
        }
        List<String> parts = new ArrayList<>();
        for (Row d : found) {
            parts.add(d.getAs("label") + " " + box(d.getAs("box")));
        }
        return String.join("; ", parts);
    }

    private static String box(Row b) {
        if (b == null) {
            return "(no box)";
        }
        return String.format(Locale.ROOT, "(%.0f, %.0f, %.0f, %.0f)", b.<Double>getAs("x0"), b.<Double>getAs("y0"),
                b.<Double>getAs("x1"), b.<Double>getAs("y1"));
    }
}
