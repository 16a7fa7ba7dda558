package ai.ofa.jobs.enrich;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The enrich job's configuration, parsed once from {@code --name value} arguments (strings stop here).
 *
 * <pre>{@code
 * --input s3a://lake/images/ --output s3a://lake/enriched/ --tasks caption,detect --model s3a://models/ofa-base
 * }</pre>
 * With {@code --path-col uri} the records hold a path or URI of their image (file, hdfs, s3a) instead of its bytes.
 * With {@code --text-file F} (JSON lines, or Parquet when F ends in .parquet) the texts the tasks read (grounding
 * expressions, questions) come from a side file keyed like the images, e.g. for a folder of image files.
 * {@code --show N} prints the answers of N output rows after the run (for a first look; the report job shows more).
 */
public record EnrichOptions(String input, String inputFormat, String output, String imageCol, String keyCol,
                            List<Task> tasks, String model, String device, int batchSize, int threads,
                            String groundTextCol, String vqaQuestionCol, List<String> labels, String master,
                            String pathCol, String textFile, String labelsFile, int show) {
    public enum Task { CAPTION, GROUND, DETECT, CLASSIFY, VQA }

    static final Set<String> KNOWN = Set.of("input", "input-format", "output", "image-col", "key-col", "tasks",
            "model", "device", "batch-size", "threads", "ground-text-col", "vqa-question-col", "labels", "master",
            "path-col", "labels-file", "text-file", "show");

    public static EnrichOptions parse(String[] args, Map<String, String> defaults) {
        Map<String, String> v = ai.ofa.jobs.JobArgs.parse(args, KNOWN, defaults, List.of("input", "output", "model"));
        List<Task> tasks = new ArrayList<>();
        for (String t : v.getOrDefault("tasks", "caption").split(",")) {
            try {
                tasks.add(Task.valueOf(t.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Unknown task '" + t + "' in --tasks, expected some of "
                        + List.of("caption", "ground", "detect", "classify", "vqa"));
            }
        }
        String format = v.getOrDefault("input-format", "parquet");
        if (!List.of("parquet", "binaryfile", "webdataset").contains(format)) {
            throw new IllegalArgumentException("--input-format " + format
                    + " is not one of [parquet, binaryfile, webdataset]");
        }
        List<String> labels = new ArrayList<>();
        for (String l : v.getOrDefault("labels", "").split(",")) {
            if (!l.isBlank()) {
                labels.add(l.trim());
            }
        }
        if (tasks.contains(Task.CLASSIFY) && labels.isEmpty() && !v.containsKey("labels-file")) {
            throw new IllegalArgumentException("Task classify needs --labels a,b,c or --labels-file F");
        }
        return new EnrichOptions(v.get("input"), format, v.get("output"),
                v.getOrDefault("image-col", format.equals("binaryfile") ? "content" : "image"),
                v.getOrDefault("key-col", format.equals("binaryfile") ? "path" : "key"), List.copyOf(tasks),
                v.get("model"), v.getOrDefault("device", "cpu"), positive(v, "batch-size", 8), positive(v, "threads", 1),
                v.getOrDefault("ground-text-col", "text"), v.getOrDefault("vqa-question-col", "question"),
                List.copyOf(labels), v.get("master"), v.get("path-col"), v.get("text-file"), v.get("labels-file"),
                positive(v, "show", 0));
    }

    /**
     * The classification labels: those of {@code --labels}, then one per non-blank line of {@code --labels-file}
     * (local or any Hadoop path, read once on the driver with the job's Hadoop settings, e.g. s3a credentials).
     */
    public List<String> allLabels(org.apache.hadoop.conf.Configuration conf) {
        if (labelsFile == null) {
            return labels;
        }
        List<String> all = new ArrayList<>(labels);
        all.addAll(readLines(labelsFile, conf));
        return List.copyOf(all);
    }

    static List<String> readLines(String location, org.apache.hadoop.conf.Configuration conf) {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(location);
        try (var in = p.getFileSystem(conf).open(p)) {
            List<String> out = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    out.add(line.trim());
                }
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException("--labels-file " + location + " has no label");
            }
            return out;
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("Cannot read --labels-file " + location + ": " + e.getMessage(), e);
        }
    }

    private static int positive(Map<String, String> v, String name, int dflt) {
        String s = v.get(name);
        if (s == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(s.trim());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--" + name + " must be a positive integer, got '" + s + "'");
    }
}
