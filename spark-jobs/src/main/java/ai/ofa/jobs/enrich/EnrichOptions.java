package ai.ofa.jobs.enrich;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The enrich job's configuration, parsed once from its arguments by picocli ({@link Cli}; strings stop here).
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
                            String pathCol, String textFile, String labelsFile, int show, int maxFilesPerBatch,
                            int maxRowsPerFile, String outputTable, TaskInputs inputs, ImageCodes imageCodes) {
    /** The job's tasks: {@code --tasks} names ({@link #cliName}) and the output column each writes. */
    public enum Task {
        CAPTION("caption"), GROUND("grounding"), DETECT("detection"), CLASSIFY("classification"), VQA("vqa"),
        ENTAIL("entailment"), ITM("itm"), REGION_CAPTION("region_caption"), SCORE("score"), GENERATE("generated"),
        CODES("image_codes");

        private final String column;

        Task(String column) {
            this.column = column;
        }

        /** The struct column of the task's results. */
        public String column() {
            return column;
        }

        /** As {@code --tasks} spells it: region-caption. */
        public String cliName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** Whether the task's answer depends on the row's image (text-to-image does not). */
        public boolean readsImage() {
            return this != GENERATE;
        }

        static Task parse(String name) {
            for (Task t : values()) {
                if (t.cliName().equals(name.trim().toLowerCase(Locale.ROOT).replace('_', '-'))) {
                    return t;
                }
            }
            throw new ai.ofa.cli.OfaCli.UsageException("Unknown task '" + name + "' in --tasks, expected some of "
                    + java.util.Arrays.stream(values()).map(Task::cliName).toList());
        }
    }

    /**
     * The columns the text, box and target tasks read besides the image (from the records or {@code --text-file}),
     * and the scoring prompt. {@code premiseCol} may be null (entailment without a text premise).
     */
    public record TaskInputs(String hypothesisCol, String premiseCol, String itmTextCol, String boxCol,
                             String targetCol, String scorePrompt, String generateTextCol) implements java.io.Serializable {
    }

    /** The image-code tasks' VQGAN package (null: the OFA package's own), sampling and region of the codes. */
    public record ImageCodes(String vqgan, ai.ofa.generate.SamplingSettings sampling, String codesRegion)
            implements java.io.Serializable {
    }

    /** {@code auto}: decided from the input's files by {@link EnrichJob#listInputs}. */
    public static final List<String> INPUT_FORMATS = List.of("auto", "parquet", "binaryfile", "webdataset");

    /** Parses the job's arguments (as {@code spark-submit ... EnrichJob ARGS} gets them) into the options. */
    public static EnrichOptions parse(String... args) {
        return ai.ofa.jobs.JobCli.parse(new Cli(), args).options();
    }

    /** The format's default image and key columns where none was given; the format as decided. */
    EnrichOptions withInputFormat(String format) {
        boolean folder = format.equals("binaryfile");
        return new EnrichOptions(input, format, output, imageCol != null ? imageCol : folder ? "content" : "image",
                keyCol != null ? keyCol : folder ? "path" : "key", tasks, model, device, batchSize, threads,
                groundTextCol, vqaQuestionCol, labels, master, pathCol, textFile, labelsFile, show,
                maxFilesPerBatch > 0 ? maxFilesPerBatch : defaultFilesPerBatch(format), maxRowsPerFile, outputTable,
                inputs, imageCodes);
    }

    /**
     * A unit of work of minutes, not the whole run: a Parquet file or webdataset shard holds thousands of images
     * (img2dataset writes 10,000 per shard), an image file one.
     */
    static int defaultFilesPerBatch(String format) {
        return switch (format) {
            case "binaryfile" -> DEFAULT_IMAGES_PER_BATCH;
            case "auto" -> 0;   // decided with the format
            default -> DEFAULT_SHARDS_PER_BATCH;
        };
    }

    static final int DEFAULT_SHARDS_PER_BATCH = 8;
    static final int DEFAULT_IMAGES_PER_BATCH = 20_000;
    static final int DEFAULT_ROWS_PER_FILE = 100_000;

    /** The enrich job's command line (picocli): options, defaults and help in one place. */
    @Command(name = "ofa enrich", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"The enrich job: image records -> the chosen OFA tasks -> Parquet with the key, one "
                    + "result struct per task (status, error, provenance).",
                    "spark-submit --class ai.ofa.jobs.enrich.EnrichJob spark-jobs-all.jar --input ... --output ...",
                    "Under ./ofa, with no option at all, it runs the sample scenes with the bundled model."})
    public static final class Cli implements java.util.concurrent.Callable<Integer> {
        @Option(names = "--input", required = true, paramLabel = "PATH", description = "Parquet records, a folder "
                + "of image files, or webdataset shards (file, hdfs, s3a); a folder or one file")
        String input;
        @Option(names = "--output", required = true, paramLabel = "PATH", description = "the output folder")
        String output;
        @Option(names = "--input-format", paramLabel = "FORMAT", defaultValue = "auto", description = "auto, "
                + "parquet, binaryfile (a folder of image files) or webdataset (.tar shards); auto decides from "
                + "the files: *.parquet, else *.tar, else image files (default: ${DEFAULT-VALUE})")
        String inputFormat;
        @Option(names = "--tasks", paramLabel = "T,T", split = ",", defaultValue = "caption", description = "some "
                + "of caption, ground, detect, classify, vqa, entail, itm, region-caption, score, generate, codes "
                + "(default: ${DEFAULT-VALUE})")
        List<String> tasks;
        @Option(names = "--model", paramLabel = "PKG", description = "model package folder or .zip (local, shipped "
                + "with --files, hdfs, s3a); default under ./ofa: the bundled models/ofa-scenes")
        String model;
        @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "cpu", description = "cpu, gpu (the "
                + "GPU Spark granted the task) or auto (default: ${DEFAULT-VALUE})")
        String device;
        @Option(names = "--batch-size", paramLabel = "N", defaultValue = "8", description = "images per ONNX "
                + "Runtime batch (default: ${DEFAULT-VALUE})")
        int batchSize;
        @Option(names = "--threads", paramLabel = "N", defaultValue = "1", description = "ONNX Runtime intra-op "
                + "threads per task (default: ${DEFAULT-VALUE}, as Spark runs one task per core)")
        int threads;
        @Option(names = "--image-col", paramLabel = "COL", description = "binary image column (default: image; "
                + "content for a folder of images)")
        String imageCol;
        @Option(names = "--key-col", paramLabel = "COL", description = "the records' key column (default: key; "
                + "path for a folder of images)")
        String keyCol;
        @Option(names = "--path-col", paramLabel = "COL", description = "string column with each image's path or "
                + "URI, read through Hadoop, instead of image bytes")
        String pathCol;
        @Option(names = "--ground-text-col", paramLabel = "COL", defaultValue = "text", description = "grounding "
                + "expressions (default: ${DEFAULT-VALUE})")
        String groundTextCol;
        @Option(names = "--vqa-question-col", paramLabel = "COL", defaultValue = "question", description = "VQA "
                + "questions (default: ${DEFAULT-VALUE})")
        String vqaQuestionCol;
        @Option(names = "--hypothesis-col", paramLabel = "COL", defaultValue = "hypothesis", description = "entail: "
                + "hypotheses, answered yes, no or maybe (default: ${DEFAULT-VALUE})")
        String hypothesisCol;
        @Option(names = "--premise-col", paramLabel = "COL", description = "entail: optional text premises")
        String premiseCol;
        @Option(names = "--itm-text-col", paramLabel = "COL", defaultValue = "text", description = "itm: texts "
                + "matched to the image, itm.probability = P(it describes the image), e.g. img2dataset's caption "
                + "(default: ${DEFAULT-VALUE})")
        String itmTextCol;
        @Option(names = "--box-col", paramLabel = "COL", defaultValue = "box", description = "region-caption: the "
                + "box, pixels, struct x0,y0,x1,y1, array of 4 numbers or \"x0,y0,x1,y1\" (default: ${DEFAULT-VALUE})")
        String boxCol;
        @Option(names = "--target-col", paramLabel = "COL", defaultValue = "target", description = "score: the texts "
                + "whose log-probability after --score-prompt is computed (default: ${DEFAULT-VALUE})")
        String targetCol;
        @Option(names = "--score-prompt", paramLabel = "TEXT", defaultValue = ai.ofa.task.Captioning.PROMPT,
                description = "score: the prompt, verbatim (default: the caption prompt '${DEFAULT-VALUE}')")
        String scorePrompt;
        @Option(names = "--generate-text-col", paramLabel = "COL", defaultValue = "text", description = "generate: "
                + "the captions to draw, each a 256 px PNG and 1024 codes (default: ${DEFAULT-VALUE})")
        String generateTextCol;
        @Option(names = "--vqgan", paramLabel = "PKG", description = "generate, codes: the VQGAN package (./ofa "
                + "convert-vqgan; any Hadoop path); default: the one inside --model")
        String vqgan;
        @Option(names = "--codes-region", paramLabel = "REGION", defaultValue = "whole", description = "codes: "
                + "whole (1024 codes of the image at 256 px) or middle (the 256 codes of its middle 128 x 128, "
                + "image infilling's target) (default: ${DEFAULT-VALUE})")
        String codesRegion;
        @picocli.CommandLine.Mixin
        ai.ofa.cli.SamplingOptions sampling = new ai.ofa.cli.SamplingOptions();
        @Option(names = "--text-file", paramLabel = "FILE", description = "JSON lines (or .parquet) with the texts "
                + "of the tasks, joined on the key (on the file name, column 'file', for a folder of images)")
        String textFile;
        @Option(names = "--labels", paramLabel = "A,B,C", split = ",", description = "classification labels")
        List<String> labels = new ArrayList<>();
        @Option(names = "--labels-file", paramLabel = "FILE", description = "classification labels, one per line "
                + "(any Hadoop path)")
        String labelsFile;
        @Option(names = "--max-files-per-batch", paramLabel = "N", defaultValue = "0", description = "input files "
                + "per unit of work, each committed once (Spark's maxFilesPerTrigger); 0 = the format's default: "
                + DEFAULT_SHARDS_PER_BATCH + " Parquet files or webdataset shards, " + DEFAULT_IMAGES_PER_BATCH
                + " image files (default: ${DEFAULT-VALUE})")
        int maxFilesPerBatch;
        @Option(names = "--max-rows-per-file", paramLabel = "N", defaultValue = "" + DEFAULT_ROWS_PER_FILE,
                description = "rows per output Parquet file at most (default: ${DEFAULT-VALUE})")
        int maxRowsPerFile;
        @Option(names = "--output-table", paramLabel = "CATALOG.DB.TABLE", description = "write an Iceberg table "
                + "instead of Parquet under OUTPUT/data (OUTPUT still holds the checkpoint); the catalog is "
                + "spark.sql.catalog.CATALOG, e.g. a Hadoop catalog: --conf spark.sql.catalog.lake.warehouse=PATH; "
                + "catalog 'lake' defaults to a warehouse under OUTPUT/_warehouse")
        String outputTable;
        @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: spark-submit's, "
                + "else local[*])")
        String master;
        @Option(names = "--show", paramLabel = "N", defaultValue = "0", description = "print the answers of the "
                + "first N output rows after the run (default: ${DEFAULT-VALUE})")
        int show;

        public EnrichOptions options() {
            List<Task> parsed = new ArrayList<>();
            for (String t : tasks) {
                Task task = Task.parse(t);
                if (parsed.contains(task)) {
                    throw new ai.ofa.cli.OfaCli.UsageException("Task " + t + " is named twice in --tasks");
                }
                parsed.add(task);
            }
            String region = codesRegion.toLowerCase(Locale.ROOT);
            if (!ai.ofa.spark.OfaImageCoder.REGIONS.contains(region)) {
                throw new ai.ofa.cli.OfaCli.UsageException("--codes-region " + codesRegion + " is not one of "
                        + ai.ofa.spark.OfaImageCoder.REGIONS);
            }
            TaskInputs inputs = new TaskInputs(hypothesisCol, premiseCol, itmTextCol, boxCol, targetCol, scorePrompt,
                    generateTextCol);
            ImageCodes imageCodes = new ImageCodes(vqgan, sampling.settings(), region);
            String format = inputFormat.toLowerCase(Locale.ROOT);
            if (!INPUT_FORMATS.contains(format)) {
                throw new ai.ofa.cli.OfaCli.UsageException("--input-format " + inputFormat + " is not one of "
                        + INPUT_FORMATS);
            }
            List<String> cleanLabels = labels.stream().map(String::trim).filter(l -> !l.isEmpty()).toList();
            if (parsed.contains(Task.CLASSIFY) && cleanLabels.isEmpty() && labelsFile == null) {
                throw new ai.ofa.cli.OfaCli.UsageException("Task classify needs --labels a,b,c or --labels-file F");
            }
            String pkg = model;
            if (pkg == null) {
                String home = System.getProperty("ofa.home");
                if (home == null) {
                    throw new ai.ofa.cli.OfaCli.UsageException("Missing required option --model (a model package; "
                            + "only ./ofa has a bundled default)");
                }
                pkg = java.nio.file.Path.of(home, "models", "ofa-scenes").toString();
            }
            EnrichOptions declared = new EnrichOptions(input, format, output, imageCol, keyCol, List.copyOf(parsed),
                    pkg, device, positive("--batch-size", batchSize), positive("--threads", threads), groundTextCol,
                    vqaQuestionCol, List.copyOf(cleanLabels), master, pathCol, textFile, labelsFile,
                    nonNegative("--show", show), nonNegative("--max-files-per-batch", maxFilesPerBatch),
                    positive("--max-rows-per-file", maxRowsPerFile), outputTable, inputs, imageCodes);
            // a named format fixes its default columns now; auto decides them once the files are listed
            return format.equals("auto") ? declared : declared.withInputFormat(format);
        }

        @Override
        public Integer call() {
            EnrichJob.runAndReport(options());
            return 0;
        }
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

    private static int positive(String option, int n) {
        if (n < 1) {
            throw new ai.ofa.cli.OfaCli.UsageException(option + " must be a positive integer, got " + n);
        }
        return n;
    }

    private static int nonNegative(String option, int n) {
        if (n < 0) {
            throw new ai.ofa.cli.OfaCli.UsageException(option + " must be 0 or more, got " + n);
        }
        return n;
    }
}
