package ai.ofa.jobs.enrich;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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
        org.apache.spark.sql.Dataset<Row> out = o.outputTable() != null ? spark.table(o.outputTable())
                : spark.read().parquet(o.output() + "/data");
        List<Row> rows = out.orderBy(o.keyCol()).limit(n).collectAsList();
        StringBuilder sb = new StringBuilder(String.format("the first %d of the output's rows:%n", rows.size()));
        if (rows.isEmpty()) {
            return sb.toString();
        }
        // where an input column was named like a task's output, the job kept it as input_NAME (the same rule)
        Map<String, String> renamed = EnrichJob.clashingInputColumns(o, List.of(rows.get(0).schema().fieldNames()));
        java.util.function.UnaryOperator<String> col = c -> c == null ? null : renamed.getOrDefault(c, c);
        EnrichOptions.TaskInputs in = o.inputs();
        for (Row r : rows) {
            String key = String.valueOf(r.<Object>getAs(o.keyCol()));
            // a folder of image files is keyed by URI; the file name says enough here
            sb.append(o.inputFormat().equals("binaryfile") ? key.substring(key.lastIndexOf('/') + 1) : key)
                    .append('\n');
            for (EnrichOptions.Task task : o.tasks()) {
                String asked = switch (task) {
                    case GROUND -> text(r, col.apply(o.groundTextCol()));
                    case VQA -> text(r, col.apply(o.vqaQuestionCol()));
                    case ENTAIL -> text(r, col.apply(in.hypothesisCol()));
                    case ITM -> text(r, col.apply(in.itmTextCol()));
                    case SCORE -> text(r, col.apply(in.targetCol()));
                    case GENERATE -> text(r, col.apply(in.generateTextCol()));
                    default -> null;
                };
                sb.append(String.format("  %-9s %s%n", task.cliName(), answer(task, r.getAs(task.column()), asked)));
            }
        }
        return sb.toString();
    }

    /** The row's text in a column; null where the output has no such column. */
    private static String text(Row r, String column) {
        if (!List.of(r.schema().fieldNames()).contains(column)) {
            return null;
        }
        Object v = r.getAs(column);
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
            case VQA, ENTAIL -> asked + result.getAs("answer");
            case ITM -> asked + String.format(Locale.ROOT, "%s (P(yes) %.3f)", result.<String>getAs("answer"),
                    result.<Double>getAs("probability"));
            case REGION_CAPTION -> result.getAs("text");
            case SCORE -> asked + String.format(Locale.ROOT, "%.4f", result.<Double>getAs("score"));
            case GENERATE -> asked + String.format(Locale.ROOT, "%d x %d PNG, %d bytes, log-prob %.2f",
                    result.<Integer>getAs("width"), result.<Integer>getAs("height"),
                    result.<byte[]>getAs("png").length, result.<Double>getAs("score"));
            case CODES -> result.<Integer>getAs("rows") + " x " + result.<Integer>getAs("cols") + " codes: "
                    + first(result.getList(result.fieldIndex("codes")), 8);
        };
    }

    private static String first(List<Integer> codes, int n) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < Math.min(n, codes.size()); i++) {
            parts.add(String.valueOf(codes.get(i)));
        }
        return String.join(" ", parts) + (codes.size() > n ? " ..." : "");
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
