package ai.ofa.jobs.enrich;

import ai.ofa.spark.ImageCodeStage;
import ai.ofa.spark.OfaCaptioner;
import ai.ofa.spark.OfaClassifier;
import ai.ofa.spark.OfaDetector;
import ai.ofa.spark.OfaEntailment;
import ai.ofa.spark.OfaGrounder;
import ai.ofa.spark.OfaImageCoder;
import ai.ofa.spark.OfaImageGenerator;
import ai.ofa.spark.OfaImageTextMatcher;
import ai.ofa.spark.OfaRegionCaptioner;
import ai.ofa.spark.OfaScorer;
import ai.ofa.spark.OfaTransformer;
import ai.ofa.spark.OfaVqa;
import ai.ofa.spark.ReportsProgress;
import org.apache.spark.ml.Transformer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
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
 * spark-submit --class ai.ofa.jobs.enrich.EnrichJob spark-jobs-all.jar --input s3a://lake/images/ \
 *     --output s3a://lake/enriched/ --tasks caption,detect --model s3a://models/ofa-base --device gpu
 * </pre>
 *
 * The input is worked through in units of {@code --max-files-per-batch} files by Structured Streaming
 * ({@code Trigger.AvailableNow}, checkpoint {@code OUTPUT/_checkpoint}); each unit's rows go to a {@link LakeSink}
 * (Parquet under {@code OUTPUT/data}, or an Iceberg table) once, keyed by the unit's batch id, so a rerun after a
 * crash redoes at most the unit in flight and no row is lost or written twice; rows out == rows in.
 */
public final class EnrichJob {
    public static final String VERSION = "0.1.0";

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
        out.append(String.format("ofa enrich: %d input file(s) processed, %d already committed (skipped); %d rows processed, "
                + "%d errors, %.2f images/s in %.1f s%n", s.files(), s.filesSkipped(), s.rows(), s.errors(),
                s.imagesPerSecond(), s.seconds()));
        s.errorsByReason().forEach((reason, n) -> out.append(String.format("  %6d  %s%n", n, reason)));
        out.append("output: ").append(s.options().outputTable() != null ? "Iceberg table " + s.options()
                .outputTable() : s.output() + "/data (Parquet)").append("; progress in ").append(s.output())
                .append("/_checkpoint");
        return out.toString();
    }

    public static Summary run(SparkSession spark, EnrichOptions declared) {
        long start = System.nanoTime();
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Inputs inputs = listInputs(conf, declared.input(), declared.inputFormat());   // the driver's one listing
        EnrichOptions o = declared.withInputFormat(inputs.format());
        List<String> files = inputs.files();
        Dataset<Row> probe = read(spark, o, List.of(files.get(0)));
        List<Transformer> stages = stages(o, List.of(probe.columns()), o.allLabels(conf));
        Dataset<Row> texts = readTexts(spark, o);   // read and checked once, joined to every unit below
        StructType schema = prepare(probe, o, texts).schema();
        for (Transformer t : stages) {
            schema = t.transformSchema(schema);   // bad configuration fails here, before any work
            if (t instanceof ImageCodeStage c) {
                c.checkPackages();   // so does a model without image-code graphs, or a missing VQGAN
            }
        }
        String runId = UUID.randomUUID().toString();
        Path out = new Path(o.output());
        LakeSink sink = o.outputTable() != null
                ? IcebergSink.open(spark, o, out, outputSchema(schema, o))
                : new ParquetFolderSink(spark, out, o.maxRowsPerFile());
        org.apache.spark.util.LongAccumulator done = spark.sparkContext().longAccumulator("ofa.task_rows_done");
        org.apache.spark.util.LongAccumulator failed = spark.sparkContext().longAccumulator("ofa.task_rows_failed");
        Units units = new Units();
        Path checkpoint = new Path(out, "_checkpoint");
        long toDo = files.size() - ListingSource.committedBefore(conf, checkpoint);
        ListingSource.share(o.input(), o.inputFormat(), files);   // the stream takes this listing: one per run
        try (Progress progress = new Progress(spark, done, failed, toDo, stages.size())) {
            org.apache.spark.sql.streaming.StreamingQuery query = unitsOf(spark, o)
                    .writeStream()
                    .queryName("ofa-enrich")
                    .trigger(org.apache.spark.sql.streaming.Trigger.AvailableNow())
                    .option("checkpointLocation", checkpoint.toString())
                    .foreachBatch((org.apache.spark.api.java.function.VoidFunction2<Dataset<Row>, Long>)
                            (unit, batchId) -> {
                                List<String> batchFiles = filesOf(unit);
                                if (sink.completed(batchId)) {   // written (and published) before a crash
                                    units.skipped(batchId, batchFiles.size());
                                    progress.unitDone(batchFiles.size());
                                    return;
                                }
                                Dataset<Row> df = prepare(read(spark, o, batchFiles), o, texts);
                                for (Transformer t : stages) {
                                    df = ((ReportsProgress) t).setProgress(done, failed).transform(df);
                                }
                                df = explainReadErrors(df, o).drop(o.imageCol())
                                        .withColumn("job_version", functions.lit(VERSION))
                                        .withColumn(BATCH_COL, functions.lit(batchId))
                                        .withColumn(RUN_COL, functions.lit(runId));
                                units.add(sink.write(batchId, runId, df, o), batchFiles.size());
                                progress.unitDone(batchFiles.size());
                            })
                    .start();
            query.awaitTermination();
        } catch (java.util.concurrent.TimeoutException | org.apache.spark.sql.streaming.StreamingQueryException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("The enrich job over " + o.input() + " failed: " + cause.getMessage(),
                    cause);
        }
        Summary summary = new Summary(units.files, files.size() - units.files, units.rows, units.errors,
                units.errorsByReason(), (System.nanoTime() - start) / 1e9, o.output(), o);
        writeRunRecord(conf, out, o, summary);
        return summary;
    }

    /**
     * The units the streaming query cuts this listing of the input into, with units that only collect their file
     * list (the driver's share of a run, for the planning benchmark): {units, files}.
     */
    static long[] planUnits(SparkSession spark, EnrichOptions o, List<String> files) {
        Path checkpoint = new Path(o.output(), "_checkpoint");
        ListingSource.share(o.input(), o.inputFormat(), files);
        long[] counts = new long[2];
        try {
            unitsOf(spark, o).writeStream().trigger(org.apache.spark.sql.streaming.Trigger.AvailableNow())
                    .option("checkpointLocation", checkpoint.toString())
                    .foreachBatch((org.apache.spark.api.java.function.VoidFunction2<Dataset<Row>, Long>)
                            (unit, batchId) -> {
                                counts[0]++;
                                counts[1] += filesOf(unit).size();
                            })
                    .start().awaitTermination();
        } catch (java.util.concurrent.TimeoutException | org.apache.spark.sql.streaming.StreamingQueryException e) {
            throw new IllegalStateException("Planning " + o.input() + " failed: " + e.getMessage(), e);
        }
        return counts;
    }

    /** Provenance columns: the unit (micro-batch id) that wrote a row and the run (one per job start). */
    public static final String BATCH_COL = "_batch_id";
    public static final String RUN_COL = "_run_id";

    /** The output row's schema: what the stages make, less the image bytes, plus the job's own columns. */
    private static StructType outputSchema(StructType staged, EnrichOptions o) {
        StructType s = new StructType();
        for (org.apache.spark.sql.types.StructField f : staged.fields()) {
            if (!f.name().equals(o.imageCol()) && !f.name().equals(READ_ERROR)) {
                s = s.add(f);
            }
        }
        return s.add("job_version", DataTypes.StringType, false).add(BATCH_COL, DataTypes.LongType, false)
                .add(RUN_COL, DataTypes.StringType, false);
    }

    /**
     * The stream that paces the job: {@link ListingSource} over the input, {@code --max-files-per-batch} files a
     * micro-batch, whose rows are the unit's file paths. Each unit reads its files with the batch reader of the
     * format; a replayed unit gets the same files.
     */
    private static Dataset<Row> unitsOf(SparkSession spark, EnrichOptions o) {
        return spark.readStream().format(ListingSource.class.getName()).option("path", o.input())
                .option("format", o.inputFormat()).option("maxFilesPerTrigger", o.maxFilesPerBatch()).load();
    }

    /** A unit's input files, sorted: the rows of its micro-batch. */
    private static List<String> filesOf(Dataset<Row> unit) {
        List<String> files = new ArrayList<>(unit.as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
        files.sort(String::compareTo);
        return files;
    }

    /** What the units of this run did (updated on the driver, one unit at a time). */
    private static final class Units {
        int files;
        long rows;
        long errors;
        final Map<String, Long> reasons = new LinkedHashMap<>();

        void add(LakeSink.Written w, int fileCount) {
            files += fileCount;
            rows += w.rows();
            errors += w.errors();
            w.errorsByReason().forEach((k, v) -> reasons.merge(k, v, Long::sum));
        }

        void skipped(long batchId, int fileCount) {
            System.err.println("ofa enrich: unit " + batchId + " (" + fileCount + " file(s)) was written before "
                    + "the restart; not redone");
        }

        Map<String, Long> errorsByReason() {
            Map<String, Long> top = new LinkedHashMap<>();
            reasons.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(20)
                    .forEach(e -> top.put(e.getKey(), e.getValue()));
            return top;
        }
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
        run.put("tasks", o.tasks().stream().map(EnrichOptions.Task::column).toList());
        run.put("hypothesis_col", o.inputs().hypothesisCol());
        run.put("premise_col", o.inputs().premiseCol());
        run.put("itm_text_col", o.inputs().itmTextCol());
        run.put("box_col", o.inputs().boxCol());
        run.put("target_col", o.inputs().targetCol());
        run.put("score_prompt", o.inputs().scorePrompt());
        run.put("generate_text_col", o.inputs().generateTextCol());
        run.put("vqgan", o.imageCodes().vqgan());
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

    /** The stages of the chosen tasks, in order, each reading its columns (renamed ones followed) from the rows. */
    static List<Transformer> stages(EnrichOptions o, List<String> inputColumns, List<String> labels) {
        Map<String, String> renamed = clashingInputColumns(o, inputColumns);
        java.util.function.UnaryOperator<String> col = c -> renamed.getOrDefault(c, c);
        EnrichOptions.TaskInputs in = o.inputs();
        List<Transformer> stages = new ArrayList<>();
        for (EnrichOptions.Task t : o.tasks()) {
            Transformer stage = switch (t) {
                case CAPTION -> text(new OfaCaptioner(), o, t);
                case GROUND -> text(new OfaGrounder().setTextCol(col.apply(o.groundTextCol())), o, t);
                case DETECT -> text(new OfaDetector(), o, t);
                case CLASSIFY -> text(new OfaClassifier().setLabels(labels.toArray(new String[0])), o, t);
                case VQA -> text(new OfaVqa().setQuestionCol(col.apply(o.vqaQuestionCol())), o, t);
                case ENTAIL -> text(new OfaEntailment().setHypothesisCol(col.apply(in.hypothesisCol()))
                        .setPremiseCol(in.premiseCol() == null ? "" : col.apply(in.premiseCol())), o, t);
                case ITM -> text(new OfaImageTextMatcher().setTextCol(col.apply(in.itmTextCol())), o, t);
                case REGION_CAPTION -> text(new OfaRegionCaptioner().setBoxCol(col.apply(in.boxCol())), o, t);
                case SCORE -> text(new OfaScorer().setTargetCol(col.apply(in.targetCol()))
                        .setPrompt(in.scorePrompt()), o, t);
                case GENERATE -> {
                    ai.ofa.generate.SamplingSettings s = o.imageCodes().sampling();
                    yield codes(new OfaImageGenerator().setTopK(s.topK()).setTopP(s.topP())
                            .setTemperature(s.temperature()).setSamples(s.samples()).setSeed(s.seed())
                            .setInputCol(col.apply(in.generateTextCol())), o, t);
                }
                case CODES -> codes(new OfaImageCoder().setRegion(o.imageCodes().codesRegion())
                        .setInputCol(o.imageCol()), o, t);
            };
            stages.add(stage);
        }
        return stages;
    }

    private static Transformer text(OfaTransformer s, EnrichOptions o, EnrichOptions.Task t) {
        return s.setInputCol(o.imageCol()).setOutputCol(t.column()).setModelPath(o.model()).setDevice(o.device())
                .setBatchSize(o.batchSize()).setThreads(o.threads());
    }

    private static Transformer codes(ImageCodeStage s, EnrichOptions o, EnrichOptions.Task t) {
        s.setOutputCol(t.column()).setModelPath(o.model()).setDevice(o.device()).setBatchSize(o.batchSize())
                .setThreads(o.threads());
        if (o.imageCodes().vqgan() != null) {
            s.setVqganPath(o.imageCodes().vqgan());
        }
        return s;
    }

    /**
     * The records of these input files as the job reads them (key, image bytes, other columns), for tools that
     * look back at a run's input, such as the report finding the images of sampled rows.
     */
    public static Dataset<Row> readRecords(SparkSession spark, EnrichOptions o, List<String> files) {
        return prepare(read(spark, o, files), o, readTexts(spark, o));
    }

    private static Dataset<Row> read(SparkSession spark, EnrichOptions o, List<String> files) {
        if (o.inputFormat().equals("webdataset")) {
            return WebDatasetReader.read(spark, files);
        }
        if (o.inputFormat().equals("binaryfile")) {
            return ImageFiles.read(spark, files, o.imageCol());
        }
        return spark.read().parquet(files.toArray(new String[0]))
                .withColumn(SOURCE_COL, functions.input_file_name());
    }

    /** The column naming each row's input file (a URI): how the report finds a row's image again. */
    public static final String SOURCE_COL = "_source_file";

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
            String out = t.column();
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
        Dataset<Row> out = withTexts(df, o, texts);
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
        if (!List.of(df.columns()).contains(READ_ERROR)) {
            return df;
        }
        for (EnrichOptions.Task t : o.tasks()) {
            if (!t.readsImage()) {
                continue;   // text-to-image drew its picture whatever the row's image
            }
            String col = t.column();
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
                // listStatus per folder, not listFiles: its LocatedFileStatus asks for block locations and (local
                // file system) each file's permissions, one request or process per file
                java.util.ArrayDeque<Path> folders = new java.util.ArrayDeque<>(List.of(root));
                while (!folders.isEmpty()) {
                    RemoteIterator<FileStatus> it = fs.listStatusIterator(folders.pop());
                    while (it.hasNext()) {
                        FileStatus f = it.next();
                        String name = f.getPath().getName();
                        if (name.startsWith("_") || name.startsWith(".")) {
                            continue;
                        }
                        if (f.isDirectory()) {
                            folders.push(f.getPath());
                        } else {
                            all.add(f.getPath().toString());
                        }
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
