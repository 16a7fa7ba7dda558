package ai.ofa.jobs.enrich;

import ai.ofa.spark.OfaCaptioner;
import ai.ofa.spark.OfaClassifier;
import ai.ofa.spark.OfaDetector;
import ai.ofa.spark.OfaGrounder;
import ai.ofa.spark.OfaTransformer;
import ai.ofa.spark.OfaVqa;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The enrich job: Parquet image records (bytes, or a path/URI column), a folder of image files, or img2dataset
 * webdataset shards -> the chosen OFA tasks -> Parquet with the key, one struct column per task (result, status,
 * error, model provenance) and the job version. img2dataset's Parquet output reads with
 * {@code --image-col jpg --key-col key}.
 *
 * <pre>
 * spark-submit --class ai.ofa.jobs.enrich.EnrichJob spark-jobs.jar --input s3a://lake/images/ \
 *     --output s3a://lake/enriched/ --tasks caption,detect --model s3a://models/ofa-base --device gpu
 * </pre>
 *
 * Output is committed per input file: the pending files are processed into a staging folder, then each file's
 * rows are moved to {@code OUTPUT/data/_source_id=ID/} and marked in {@code OUTPUT/_committed/ID}. A rerun after a
 * crash skips committed files, so no row is lost or written twice; rows out == rows in for every file. One job
 * writes to an output at a time: a run removes the staging a killed run left behind.
 */
public final class EnrichJob {
    public static final String VERSION = "0.1.0";
    static final Map<String, String> TASK_COLUMNS = Map.of("CAPTION", "caption", "GROUND", "grounding",
            "DETECT", "detection", "CLASSIFY", "classification", "VQA", "vqa");

    /** What a run did. */
    public record Summary(int files, int filesSkipped, long rows, long errors, Map<String, Long> errorsByReason,
                          double seconds, String output, EnrichOptions options) {
        public double imagesPerSecond() {
            return seconds > 0 ? rows / seconds : 0;
        }
    }

    private EnrichJob() {
    }

    public static void main(String[] args) {
        ai.ofa.jobs.JobCli.exit(new EnrichOptions.Cli(), args);
    }

    /** A run as {@code main} does it: the session, the job, its summary and the sample of answers printed. */
    static void runAndReport(EnrichOptions o) {
        SparkSession spark = ai.ofa.jobs.JobCli.session("ofa-enrich", o.master());
        try {
            Summary s = run(spark, o);
            System.out.println(describe(s));
            if (o.show() > 0) {
                System.out.print(EnrichSample.describe(spark, s.options(), o.show()));
            }
        } finally {
            spark.stop();
        }
    }

    static String describe(Summary s) {
        StringBuilder out = new StringBuilder();
        out.append(String.format("ofa enrich: %d input file(s) processed, %d already committed (skipped); %d rows, "
                + "%d errors, %.2f images/s in %.1f s%n", s.files(), s.filesSkipped(), s.rows(), s.errors(),
                s.imagesPerSecond(), s.seconds()));
        s.errorsByReason().forEach((reason, n) -> out.append(String.format("  %6d  %s%n", n, reason)));
        out.append("output: ").append(s.output()).append("/data (Parquet; one folder per input file)");
        return out.toString();
    }

    public static Summary run(SparkSession spark, EnrichOptions declared) {
        long start = System.nanoTime();
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Inputs inputs = listInputs(conf, declared.input(), declared.inputFormat());
        EnrichOptions o = declared.withInputFormat(inputs.format());
        List<String> files = inputs.files();
        spark.udf().register("ofa_source_id", (org.apache.spark.sql.api.java.UDF1<String, String>) EnrichJob::sourceId,
                DataTypes.StringType);
        Dataset<Row> probe = read(spark, o, List.of(files.get(0)));
        List<OfaTransformer> stages = stages(o, List.of(probe.columns()), o.allLabels(conf));
        Dataset<Row> texts = readTexts(spark, o);   // read and checked once, joined to every read below
        StructType schema = prepare(probe, o, texts).schema();
        for (OfaTransformer t : stages) {
            schema = t.transformSchema(schema);   // bad configuration fails here, before any work
        }
        Path out = new Path(o.output());
        List<String> pending = new ArrayList<>();
        try {
            FileSystem fs = out.getFileSystem(conf);
            for (String f : files) {
                if (!fs.exists(new Path(out, "_committed/" + sourceId(f)))) {
                    pending.add(f);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read output " + o.output() + ": " + e.getMessage(), e);
        }
        if (pending.isEmpty()) {
            return new Summary(0, files.size(), 0, 0, Map.of(), (System.nanoTime() - start) / 1e9, o.output(), o);
        }
        try {   // what a killed run left half-written is never committed: drop it (one job per output at a time)
            FileSystem fs = out.getFileSystem(conf);
            Path stale = new Path(out, "_staging");
            if (fs.exists(stale)) {
                fs.delete(stale, true);
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot clean " + o.output() + "/_staging: " + e.getMessage(), e);
        }
        Dataset<Row> df = prepare(read(spark, o, pending), o, texts);
        // the progress total: cheap for Parquet (footers) and folders (listing); a webdataset count would read every
        // shard twice, so those runs show progress without a total
        long inputRows = o.inputFormat().equals("webdataset") ? -1 : read(spark, o, pending).count();
        org.apache.spark.util.LongAccumulator done = spark.sparkContext().longAccumulator("ofa.task_rows_done");
        org.apache.spark.util.LongAccumulator failed = spark.sparkContext().longAccumulator("ofa.task_rows_failed");
        for (OfaTransformer t : stages) {
            df = t.setProgress(done, failed).transform(df);
        }
        df = explainReadErrors(df, o).drop(o.imageCol()).withColumn("job_version", functions.lit(VERSION));
        Path staging = new Path(out, "_staging/" + UUID.randomUUID());
        try (Progress progress = new Progress(done, failed, inputRows < 0 ? -1 : inputRows * stages.size(),
                stages.size())) {
            df.write().partitionBy("_source_id").parquet(staging.toString());
        }
        Map<String, Long> errors = new LinkedHashMap<>();
        long[] totals = commit(spark, conf, o, out, staging, pending, errors);
        Summary summary = new Summary(pending.size(), files.size() - pending.size(), totals[0], totals[1], errors,
                (System.nanoTime() - start) / 1e9, o.output(), o);
        writeRunRecord(conf, out, o, summary);
        return summary;
    }

    /**
     * {@code OUTPUT/_runs/run-TIME.json}: how the run read its input and what it did (rows, errors, images/s), so
     * that {@code ./ofa report} can find the images of sampled rows and show the run's throughput.
     */
    private static void writeRunRecord(Configuration conf, Path out, EnrichOptions o, Summary s) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("job_version", VERSION);
        run.put("finished", java.time.Instant.now().toString());
        run.put("input", o.input());
        run.put("input_format", o.inputFormat());
        run.put("image_col", o.imageCol());
        run.put("key_col", o.keyCol());
        run.put("path_col", o.pathCol());
        run.put("ground_text_col", o.groundTextCol());
        run.put("vqa_question_col", o.vqaQuestionCol());
        run.put("tasks", o.tasks().stream().map(t -> TASK_COLUMNS.get(t.name())).toList());
        run.put("model", o.model());
        run.put("device", o.device());
        run.put("batch_size", o.batchSize());
        run.put("files", s.files());
        run.put("files_skipped", s.filesSkipped());
        run.put("rows", s.rows());
        run.put("errors", s.errors());
        run.put("errors_by_reason", s.errorsByReason());
        run.put("seconds", s.seconds());
        run.put("images_per_second", s.imagesPerSecond());
        try {
            FileSystem fs = out.getFileSystem(conf);
            Path file = new Path(out, "_runs/run-" + System.currentTimeMillis() + ".json");
            try (var stream = fs.create(file, false)) {
                stream.write(new com.fasterxml.jackson.databind.ObjectMapper()
                        .writerWithDefaultPrettyPrinter().writeValueAsBytes(run));
            }
        } catch (IOException e) {
            // the output is committed; a missing run record only costs the report its throughput figures
            System.err.println("ofa enrich: could not write the run record under " + out + "/_runs: "
                    + e.getMessage());
        }
    }

    /** Moves each source's folder into place and marks it committed; returns {rows, errors}. */
    private static long[] commit(SparkSession spark, Configuration conf, EnrichOptions o, Path out, Path staging,
                                 List<String> pending, Map<String, Long> errors) {
        Dataset<Row> written = spark.read().parquet(staging.toString());
        List<Column> statuses = new ArrayList<>();
        for (EnrichOptions.Task t : o.tasks()) {
            String col = TASK_COLUMNS.get(t.name());
            statuses.add(functions.when(functions.col(col + ".status").equalTo("error"),
                    functions.concat(functions.lit(col + ": "), functions.col(col + ".error"))));
        }
        Dataset<Row> reasons = written.select(functions.explode(functions.array(statuses.toArray(new Column[0])))
                .as("reason")).filter("reason IS NOT NULL");
        for (Row r : reasons.withColumn("reason", functions.regexp_replace(functions.col("reason"),
                ai.ofa.task.Outcome.ITEM_PREFIX, "")).groupBy("reason").count().orderBy(functions.desc("count"))
                .limit(20).collectAsList()) {
            errors.put(r.getString(0), r.getLong(1));
        }
        long rows = written.count();
        long errorCount = reasons.count();
        try {
            FileSystem fs = out.getFileSystem(conf);
            Path data = new Path(out, "data");
            fs.mkdirs(data);
            fs.mkdirs(new Path(out, "_committed"));
            for (String f : pending) {
                String id = sourceId(f);
                Path part = new Path(staging, "_source_id=" + id);
                Path target = new Path(data, "_source_id=" + id);
                if (fs.exists(target)) {
                    fs.delete(target, true);   // a crash between move and mark left it: replace, never duplicate
                }
                if (fs.exists(part) && !fs.rename(part, target)) {
                    throw new IOException("Cannot move " + part + " to " + target);
                }
                try (var marker = fs.create(new Path(out, "_committed/" + id), true)) {
                    marker.write((f + "\n").getBytes(StandardCharsets.UTF_8));
                }
            }
            fs.delete(staging.getParent(), true);   // _staging/ as a whole: one job per output at a time
        } catch (IOException e) {
            throw new IllegalStateException("Committing output to " + out + " failed: " + e.getMessage(), e);
        }
        return new long[]{rows, errorCount};
    }

    static List<OfaTransformer> stages(EnrichOptions o, List<String> inputColumns, List<String> labels) {
        Map<String, String> renamed = clashingInputColumns(o, inputColumns);
        List<OfaTransformer> stages = new ArrayList<>();
        for (EnrichOptions.Task t : o.tasks()) {
            OfaTransformer s = switch (t) {
                case CAPTION -> new OfaCaptioner();
                case GROUND -> new OfaGrounder().setTextCol(renamed.getOrDefault(o.groundTextCol(), o.groundTextCol()));
                case DETECT -> new OfaDetector();
                case CLASSIFY -> new OfaClassifier().setLabels(labels.toArray(new String[0]));
                case VQA -> new OfaVqa().setQuestionCol(renamed.getOrDefault(o.vqaQuestionCol(), o.vqaQuestionCol()));
            };
            s.setInputCol(o.imageCol()).setOutputCol(TASK_COLUMNS.get(t.name())).setModelPath(o.model())
                    .setDevice(o.device()).setBatchSize(o.batchSize()).setThreads(o.threads());
            stages.add(s);
        }
        return stages;
    }

    /**
     * The records of these input files as the job reads them (key, image bytes, other columns), for tools that
     * look back at a run's input, such as the report finding the images of sampled rows.
     */
    public static Dataset<Row> readRecords(SparkSession spark, EnrichOptions o, List<String> files) {
        spark.udf().register("ofa_source_id", (org.apache.spark.sql.api.java.UDF1<String, String>) EnrichJob::sourceId,
                DataTypes.StringType);
        return prepare(read(spark, o, files), o, readTexts(spark, o));
    }

    private static Dataset<Row> read(SparkSession spark, EnrichOptions o, List<String> files) {
        if (o.inputFormat().equals("webdataset")) {
            return WebDatasetReader.read(spark, files);
        }
        String[] paths = files.toArray(new String[0]);
        Dataset<Row> df = o.inputFormat().equals("binaryfile")
                ? spark.read().format("binaryFile").load(paths) : spark.read().parquet(paths);
        return df.withColumn("_source_file", functions.input_file_name());
    }

    /** The column a path-col read adds: why the image could not be read, or null. */
    public static final String READ_ERROR = "_read_error";
    static final long MAX_IMAGE_BYTES = 256L << 20;

    /**
     * Input columns named like a task's output column (img2dataset's {@code caption} next to the caption task) are
     * kept as {@code input_NAME}; options that name them (e.g. {@code --ground-text-col caption}) follow.
     */
    static Map<String, String> clashingInputColumns(EnrichOptions o, List<String> inputColumns) {
        Map<String, String> renamed = new LinkedHashMap<>();
        for (EnrichOptions.Task t : o.tasks()) {
            String out = TASK_COLUMNS.get(t.name());
            if (inputColumns.contains(out) && !out.equals(o.keyCol())) {
                renamed.put(out, "input_" + out);
            }
        }
        return renamed;
    }

    private static Dataset<Row> prepare(Dataset<Row> df, EnrichOptions o, Dataset<Row> texts) {
        if (!List.of(df.columns()).contains(o.keyCol())) {
            throw new IllegalArgumentException("Key column '" + o.keyCol() + "' not found in " + o.input()
                    + "; available columns: " + List.of(df.columns()) + " (set --key-col)");
        }
        for (Map.Entry<String, String> r : clashingInputColumns(o, List.of(df.columns())).entrySet()) {
            df = df.withColumnRenamed(r.getKey(), r.getValue());
        }
        Dataset<Row> out = withTexts(df.withColumn("_source_id", functions.callUDF("ofa_source_id",
                functions.col("_source_file"))).drop("_source_file"), o, texts);
        if (o.pathCol() == null) {
            return out;
        }
        StructType in = out.schema();
        if (!List.of(in.fieldNames()).contains(o.pathCol())
                || !in.apply(o.pathCol()).dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("Path column '" + o.pathCol() + "' (--path-col) must be a string column "
                    + "of " + o.input() + "; columns: " + in.simpleString());
        }
        if (List.of(in.fieldNames()).contains(o.imageCol())) {
            throw new IllegalArgumentException("--path-col reads images into column '" + o.imageCol()
                    + "', which the input already has; choose another --image-col");
        }
        StructType withImage = in.add(o.imageCol(), DataTypes.BinaryType, true).add(READ_ERROR, DataTypes.StringType);
        SparkSession spark = out.sparkSession();
        org.apache.spark.util.SerializableConfiguration conf =
                new org.apache.spark.util.SerializableConfiguration(spark.sparkContext().hadoopConfiguration());
        return out.mapPartitions(new ReadImagesFromPaths(conf, in.fieldIndex(o.pathCol()), MAX_IMAGE_BYTES),
                org.apache.spark.sql.Encoders.row(withImage));
    }

    /**
     * Joins the {@code --text-file} side table on the key: broadcast (texts are small next to images), left (an
     * image without texts is still a row; its text tasks report the missing text), keys unique (else rows would
     * multiply).
     */
    private static Dataset<Row> withTexts(Dataset<Row> df, EnrichOptions o, Dataset<Row> texts) {
        if (texts == null) {
            return df;
        }
        String textKey = textKey(o);
        for (String c : texts.columns()) {
            if (!c.equals(textKey) && List.of(df.columns()).contains(c)) {
                throw new IllegalArgumentException("--text-file column '" + c + "' clashes with the input's column '"
                        + c + "'; rename one of them");
            }
        }
        Column imageKey = o.inputFormat().equals("binaryfile")
                ? functions.element_at(functions.split(df.col(o.keyCol()), "/"), -1) : df.col(o.keyCol());
        Dataset<Row> joined = df.join(functions.broadcast(texts), imageKey.equalTo(texts.col(textKey)), "left");
        return joined.drop(texts.col(textKey));
    }

    /** A folder of image files is keyed by full URI, which nobody writes by hand: its texts key by file name. */
    private static String textKey(EnrichOptions o) {
        return o.inputFormat().equals("binaryfile") ? "file" : o.keyCol();
    }

    /** The {@code --text-file} table, its key column and the uniqueness of its keys checked; null without one. */
    private static Dataset<Row> readTexts(SparkSession spark, EnrichOptions o) {
        if (o.textFile() == null) {
            return null;
        }
        Dataset<Row> texts;
        try {
            texts = o.textFile().endsWith(".parquet") ? spark.read().parquet(o.textFile())
                    : spark.read().json(o.textFile());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Cannot read --text-file " + o.textFile() + ": " + e.getMessage(), e);
        }
        boolean byFileName = o.inputFormat().equals("binaryfile");
        String textKey = textKey(o);
        List<String> cols = List.of(texts.columns());
        if (!cols.contains(textKey)) {
            throw new IllegalArgumentException("--text-file " + o.textFile() + " has no key column '" + textKey
                    + "'; its columns: " + cols + (byFileName ? " (for a folder of images, texts are keyed by file name)"
                    : " (it is joined to the images on --key-col)"));
        }
        List<Row> dup = texts.groupBy(textKey).count().filter("count > 1").limit(1).collectAsList();
        if (!dup.isEmpty()) {
            throw new IllegalArgumentException("--text-file " + o.textFile() + " has key '" + dup.get(0).get(0)
                    + "' " + dup.get(0).getLong(1) + " times; keys must be unique (one row of texts per image)");
        }
        return texts;
    }

    /** Rows whose image could not be read: each task's error says why, not just "image is null". */
    private static Dataset<Row> explainReadErrors(Dataset<Row> df, EnrichOptions o) {
        if (o.pathCol() == null) {
            return df;
        }
        for (EnrichOptions.Task t : o.tasks()) {
            String col = TASK_COLUMNS.get(t.name());
            df = df.withColumn(col, functions.col(col).withField("error",
                    functions.coalesce(functions.col(READ_ERROR), functions.col(col + ".error"))));
        }
        return df.drop(READ_ERROR);
    }

    /** The input files of a run, and their format (as declared, or as {@code auto} found it). */
    public record Inputs(String format, List<String> files) {
    }

    /**
     * The input files under a path, sorted, from one listing: a file itself, or the folder's files of the format
     * (parquet: *.parquet, webdataset: *.tar, binaryfile: every file), hidden ones (_x, .x) left out. Format
     * {@code auto} takes *.parquet if there are any, else *.tar, else image files; finding none of them is an error
     * that says what was found and which option to set.
     */
    public static Inputs listInputs(Configuration conf, String input, String format) {
        List<String> all = new ArrayList<>();
        try {
            Path root = new Path(input);
            FileSystem fs = root.getFileSystem(conf);
            if (!fs.exists(root)) {
                throw new IllegalArgumentException("Input not found: " + input + " (--input)");
            }
            FileStatus st = fs.getFileStatus(root);
            if (st.isFile()) {
                all.add(st.getPath().toString());
            } else {
                RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
                while (it.hasNext()) {
                    LocatedFileStatus f = it.next();
                    String name = f.getPath().getName();
                    if (!name.startsWith("_") && !name.startsWith(".")) {
                        all.add(f.getPath().toString());
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot list " + input + ": " + e.getMessage(), e);
        }
        all.sort(String::compareTo);
        String resolved = format;
        if (format.equals("auto")) {
            resolved = all.stream().anyMatch(f -> f.endsWith(".parquet")) ? "parquet"
                    : all.stream().anyMatch(f -> f.endsWith(".tar")) ? "webdataset"
                    : all.stream().anyMatch(EnrichJob::isImageFile) ? "binaryfile" : null;
            if (resolved == null) {
                throw new IllegalArgumentException("No input files under " + input + ": found " + all.size()
                        + " file(s), none *.parquet, *.tar or an image (" + String.join(", ", WebDatasetReader
                        .IMAGE_EXTENSIONS) + "); set --input-format if the files are one of these without the "
                        + "extension" + (all.isEmpty() ? "" : " (first: " + all.get(0) + ")"));
            }
        }
        String f = resolved;
        List<String> files = all.stream().filter(p -> switch (f) {
            case "binaryfile" -> true;
            case "webdataset" -> p.endsWith(".tar");
            default -> p.endsWith(".parquet");
        }).toList();
        if (files.isEmpty()) {
            throw new IllegalArgumentException("No input files under " + input + " for --input-format " + format
                    + " (" + switch (f) {
                        case "webdataset" -> "*.tar";
                        case "binaryfile" -> "any file";
                        default -> "*.parquet";
                    } + "): found " + all.size()
                    + " other file(s)" + (all.isEmpty() ? "" : ", e.g. " + all.get(0))
                    + "; a folder of image files is --input-format binaryfile, or leave it to auto");
        }
        return new Inputs(f, files);
    }

    static boolean isImageFile(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1).toLowerCase(java.util.Locale.ROOT);
        int dot = name.lastIndexOf('.');
        return dot > 0 && WebDatasetReader.IMAGE_EXTENSIONS.contains(name.substring(dot + 1));
    }

    /** Stable id of an input file, the same whether Spark writes its URI as file:/x or file:///x. */
    public static String sourceId(String pathOrUri) {
        URI u = new Path(pathOrUri).toUri();
        String norm = (u.getScheme() == null ? "file" : u.getScheme()) + "://"
                + (u.getAuthority() == null ? "" : u.getAuthority()) + u.getPath();
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(norm.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
