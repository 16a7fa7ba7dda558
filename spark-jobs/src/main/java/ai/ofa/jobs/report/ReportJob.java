package ai.ofa.jobs.report;

import ai.ofa.jobs.JobCli;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import ai.ofa.jobs.enrich.EnrichJob;
import ai.ofa.jobs.enrich.EnrichOptions;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An HTML report of an enrich output: {@code ./ofa report --input OUT --output report/} or
 * {@code spark-submit --class ai.ofa.jobs.report.ReportJob}. Counting and sampling run on Spark (any output size);
 * only the sample (default 48 rows) comes to the driver, where its images are found again in the run's input
 * (through the run record in {@code OUT/_runs/} and the commit markers) and made into thumbnails.
 *
 * <pre>./ofa report --input build/enrich --output build/report [--sample 48] [--seed 0]</pre>
 */
public final class ReportJob {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a report run needs; {@code keyCol} null means the run record's key column. */
    public record Options(String input, String output, int sample, long seed, String keyCol, String master) {
    }

    @Command(name = "ofa report", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"An HTML report of an enrich output: a seeded sample of rows with thumbnails and boxes "
                    + "drawn, ok/error counts per task, error reasons, the run's throughput.",
                    "spark-submit --class ai.ofa.jobs.report.ReportJob spark-jobs-all.jar --input OUT"})
    public static final class Cli implements java.util.concurrent.Callable<Integer> {
        @Option(names = "--input", required = true, paramLabel = "OUT", description = "the enrich job's output "
                + "folder (or a Hadoop URI)")
        String input;
        @Option(names = "--output", paramLabel = "DIR", defaultValue = "report", description = "where index.html "
                + "goes (default: ${DEFAULT-VALUE})")
        String output;
        @Option(names = "--sample", paramLabel = "N", defaultValue = "48", description = "rows in the gallery "
                + "(default: ${DEFAULT-VALUE})")
        int sample;
        @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "the sample's seed "
                + "(default: ${DEFAULT-VALUE})")
        long seed;
        @Option(names = "--key-col", paramLabel = "COL", description = "the key column (default: the run's)")
        String keyCol;
        @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: spark-submit's, "
                + "else local[*])")
        String master;

        public Options options() {
            if (sample < 0 || seed < 0) {
                throw new ai.ofa.cli.OfaCli.UsageException("--" + (sample < 0 ? "sample" : "seed")
                        + " must be a non-negative integer, got " + (sample < 0 ? sample : seed));
            }
            return new Options(input, output, sample, seed, keyCol, master);
        }

        @Override
        public Integer call() throws IOException {
            Options o = options();
            SparkSession spark = JobCli.session("ofa-report", o.master());
            try {
                System.out.println("report: " + run(spark, o).toAbsolutePath());
            } finally {
                spark.stop();
            }
            return 0;
        }
    }

    private ReportJob() {
    }

    public static void main(String[] args) {
        JobCli.exit(new Cli(), args);
    }

    static Options parse(String... args) {
        return JobCli.parse(new Cli(), args).options();
    }

    /** Writes OUTPUT/index.html and returns its path. */
    public static java.nio.file.Path run(SparkSession spark, Options o) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Path out = new Path(o.input());
        FileSystem fs = out.getFileSystem(conf);
        Path dataDir = new Path(out, "data");
        if (!fs.exists(dataDir)) {
            throw new IllegalArgumentException("Not an enrich output: " + dataDir + " does not exist (--input)");
        }
        List<Map<String, Object>> runs = runRecords(fs, out);
        Map<String, Object> lastRun = runs.isEmpty() ? Map.of() : runs.get(runs.size() - 1);
        Dataset<Row> df = spark.read().parquet(dataDir.toString());
        List<String> columns = List.of(df.columns());
        String keyCol = o.keyCol() != null ? o.keyCol() : (String) lastRun.getOrDefault("key_col", "key");
        if (!columns.contains(keyCol)) {
            throw new IllegalArgumentException("Key column '" + keyCol + "' not in " + dataDir + "; columns: "
                    + columns + " (set --key-col)");
        }
        List<String> tasks = taskColumns(df.schema());
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("No OFA result column in " + dataDir + "; columns: " + columns);
        }
        Column key = df.col(keyCol).cast(DataTypes.StringType);
        // rows and every task's ok/error counts in one pass over the output
        List<Column> sums = new ArrayList<>();
        for (String t : tasks) {
            Column ok = functions.col(t + ".status").equalTo("ok");
            sums.add(functions.sum(functions.when(ok, 1).otherwise(0)));
            sums.add(functions.sum(functions.when(ok, 0).otherwise(1)));
        }
        Row totals = df.agg(functions.count("*"), sums.toArray(new Column[0])).first();
        long rows = totals.getLong(0);
        List<ReportModel.TaskCount> counts = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            int ok = 1 + 2 * i;
            int error = ok + 1;
            counts.add(new ReportModel.TaskCount(tasks.get(i), totals.isNullAt(ok) ? 0 : totals.getLong(ok),
                    totals.isNullAt(error) ? 0 : totals.getLong(error)));
        }

        List<ReportModel.ErrorReason> errors = new ArrayList<>();
        for (String t : tasks) {
            Dataset<Row> failed = df.filter(functions.col(t + ".status").notEqual("ok"))
                    .select(key.as("k"), functions.regexp_replace(functions.col(t + ".error"),
                            ai.ofa.task.Outcome.ITEM_PREFIX, "").as("reason"));
            for (Row r : failed.groupBy("reason").agg(functions.count("*").as("n"), functions.min("k"),
                    functions.max("k")).orderBy(functions.desc("n")).limit(20).collectAsList()) {
                errors.add(new ReportModel.ErrorReason(t, r.getString(0), r.getLong(1),
                        List.copyOf(new LinkedHashSet<>(Arrays.asList(r.getString(2), r.getString(3))))));
            }
        }

        int sample = o.sample();
        long seed = o.seed();
        // deterministic for a seed, and the failed rows named in the errors table are always in the gallery
        Set<String> mustShow = new LinkedHashSet<>();
        errors.forEach(e -> mustShow.add(e.exampleKeys().get(0)));
        Column wanted = functions.when(key.isin(mustShow.toArray()), 0).otherwise(1);
        List<Row> sampled = df.withColumn("_k", key).orderBy(wanted, functions.xxhash64(key, functions.lit(seed)))
                .limit(sample).collectAsList();

        Map<String, byte[]> images = new HashMap<>();
        Map<String, String> imageProblems = new HashMap<>();
        findImages(spark, fs, out, lastRun, sampled, images, imageProblems);
        List<ReportModel.Card> cards = new ArrayList<>();
        for (Row r : sampled) {
            String k = r.getAs("_k");
            ReportModel.Thumbnail thumb = null;
            String problem = imageProblems.getOrDefault(k, images.containsKey(k) ? null
                    : runs.isEmpty() ? "image unavailable: no run record in " + out + "/_runs" : "image not found");
            if (images.containsKey(k)) {
                try {
                    thumb = Thumbnails.make(images.get(k), 320);
                } catch (IOException | RuntimeException e) {
                    problem = "image not decodable: " + e.getMessage();
                }
            }
            List<ReportModel.TaskView> views = new ArrayList<>();
            for (String t : tasks) {
                views.add(view(t, r, lastRun));
            }
            cards.add(new ReportModel.Card(k, thumb, problem, views));
        }
        ReportModel model = new ReportModel(o.input(), rows, seed, runs, counts, errors, cards);
        java.nio.file.Path dir = java.nio.file.Path.of(o.output());
        Files.createDirectories(dir);
        java.nio.file.Path index = dir.resolve("index.html");
        Files.writeString(index, HtmlReport.render(model), StandardCharsets.UTF_8);
        return index;
    }

    /** Struct columns shaped like an OFA result (status and error fields). */
    static List<String> taskColumns(StructType schema) {
        List<String> out = new ArrayList<>();
        for (StructField f : schema.fields()) {
            if (f.dataType() instanceof StructType s && List.of(s.fieldNames()).contains("status")
                    && List.of(s.fieldNames()).contains("error")) {
                out.add(f.name());
            }
        }
        return out;
    }

    private static List<Map<String, Object>> runRecords(FileSystem fs, Path out) throws IOException {
        Path dir = new Path(out, "_runs");
        List<Map<String, Object>> runs = new ArrayList<>();
        if (!fs.exists(dir)) {
            return runs;
        }
        FileStatus[] files = fs.listStatus(dir);
        Arrays.sort(files, (a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
        for (FileStatus f : files) {
            try (var in = fs.open(f.getPath())) {
                @SuppressWarnings("unchecked") Map<String, Object> run = JSON.readValue((java.io.InputStream) in, Map.class);
                runs.add(run);
            } catch (IOException e) {
                System.err.println("report: skipping unreadable run record " + f.getPath() + ": " + e.getMessage());
            }
        }
        return runs;
    }

    /**
     * The images of the sampled rows, read again from the run's input: the input files are the rows'
     * {@code _source_file} (older outputs: the commit markers of their {@code _source_id}), read as the run read
     * them (bytes, paths, folder or webdataset).
     */
    private static void findImages(SparkSession spark, FileSystem fs, Path out, Map<String, Object> run,
                                   List<Row> sampled, Map<String, byte[]> images, Map<String, String> problems) {
        if (run.isEmpty() || sampled.isEmpty()) {
            return;
        }
        List<String> fields = List.of(sampled.get(0).schema().fieldNames());
        boolean byFile = fields.contains(EnrichJob.SOURCE_COL);
        if (!byFile && !fields.contains("_source_id")) {
            return;
        }
        Set<String> sources = new LinkedHashSet<>();
        Set<String> keys = new LinkedHashSet<>();
        for (Row r : sampled) {
            sources.add(r.getAs(byFile ? EnrichJob.SOURCE_COL : "_source_id"));
            keys.add(r.getAs("_k"));
        }
        List<String> files = new ArrayList<>();
        for (String id : sources) {
            if (byFile) {
                files.add(id);
                continue;
            }
            try (var in = fs.open(new Path(out, "_committed/" + id))) {
                files.add(new String(in.readAllBytes(), StandardCharsets.UTF_8).strip());
            } catch (IOException e) {
                System.err.println("report: no commit marker for source " + id + ": " + e.getMessage());
            }
        }
        if (files.isEmpty()) {
            return;
        }
        List<String> args = new ArrayList<>(List.of("--input", String.valueOf(run.get("input")), "--output",
                out.toString(), "--model", String.valueOf(run.get("model")), "--input-format",
                String.valueOf(run.get("input_format")), "--image-col", String.valueOf(run.get("image_col")),
                "--key-col", String.valueOf(run.get("key_col"))));
        if (run.get("path_col") != null) {
            args.addAll(List.of("--path-col", String.valueOf(run.get("path_col"))));
        }
        try {
            EnrichOptions o = EnrichOptions.parse(args.toArray(new String[0]));
            Dataset<Row> records = EnrichJob.readRecords(spark, o, files);
            Column k = records.col(o.keyCol()).cast(DataTypes.StringType);
            boolean hasReadError = List.of(records.columns()).contains(EnrichJob.READ_ERROR);
            Dataset<Row> mine = records.filter(k.isin(keys.toArray())).select(k.as("k"),
                    records.col(o.imageCol()), hasReadError ? records.col(EnrichJob.READ_ERROR)
                            : functions.lit(null).cast(DataTypes.StringType));
            for (Row r : mine.collectAsList()) {
                if (!r.isNullAt(1)) {
                    images.put(r.getString(0), r.getAs(1));
                } else {
                    problems.put(r.getString(0), r.isNullAt(2) ? "no image in the input record" : r.getString(2));
                }
            }
        } catch (RuntimeException e) {
            System.err.println("report: cannot read the run's input again (" + e.getMessage()
                    + "); the gallery shows no images");
        }
    }

    private static ReportModel.TaskView view(String task, Row row, Map<String, Object> run) {
        Row s = row.getAs(task);
        if (s == null) {
            return new ReportModel.TaskView(task, "error", "no result", null, null, null, null, null, null, null);
        }
        String input = null;
        if (task.equals("grounding")) {
            input = stringColumn(row, (String) run.getOrDefault("ground_text_col", "text"));
        } else if (task.equals("vqa")) {
            input = stringColumn(row, (String) run.getOrDefault("vqa_question_col", "question"));
        } else if (task.equals("entailment")) {
            input = stringColumn(row, (String) run.getOrDefault("hypothesis_col", "hypothesis"));
        } else if (task.equals("itm")) {
            input = stringColumn(row, (String) run.getOrDefault("itm_text_col", "text"));
        } else if (task.equals("score")) {
            input = stringColumn(row, (String) run.getOrDefault("target_col", "target"));
        } else if (has(s, "png")) {
            // a generate result: its prompt is the text column the run names (default text)
            input = stringColumn(row, (String) run.getOrDefault("generate_text_col", "text"));
        }
        Row b = field(s, "box");
        ReportModel.Box box = b == null ? null : box(b);
        List<ReportModel.Detected> dets = null;
        if (field(s, "detections") != null) {
            dets = new ArrayList<>();
            for (Row d : s.<Row>getList(s.fieldIndex("detections"))) {
                dets.add(new ReportModel.Detected(d.getAs("label"), box(d.getAs("box")), d.<Double>getAs("score")));
            }
        }
        ReportModel.Thumbnail generated = null;
        String generatedProblem = null;
        byte[] png = field(s, "png");
        if (png != null) {
            try {
                generated = Thumbnails.make(png, HtmlReport.GENERATED_SIDE);
            } catch (IOException | RuntimeException e) {
                generatedProblem = "generated image not decodable: " + e.getMessage();
            }
        }
        return new ReportModel.TaskView(task, s.getAs("status"), s.getAs("error"), input, field(s, "text"),
                field(s, "label"), field(s, "answer"), field(s, "score"), box, dets, generated, generatedProblem,
                codes(s), field(s, "probability"));
    }

    /** "32 x 32 codes: 12 7 4095 ..." (the first 8) for a result with image codes, else null. */
    static String codes(Row s) {
        if (field(s, "codes") == null) {
            return null;
        }
        List<Integer> codes = s.getList(s.fieldIndex("codes"));
        Integer rows = field(s, "rows");
        Integer cols = field(s, "cols");
        if (rows == null || cols == null) {
            int side = (int) Math.round(Math.sqrt(codes.size()));
            rows = side * side == codes.size() ? side : null;
            cols = rows;
        }
        StringBuilder out = new StringBuilder();
        out.append(rows == null ? codes.size() + " codes" : rows + " x " + cols + " codes").append(": ");
        for (int i = 0; i < Math.min(8, codes.size()); i++) {
            out.append(i == 0 ? "" : " ").append(codes.get(i));
        }
        return out.append(codes.size() > 8 ? " ..." : "").toString();
    }

    private static boolean has(Row s, String name) {
        return List.of(s.schema().fieldNames()).contains(name);
    }

    /** A struct field, or null when the result type has no such field (each task's struct has its own). */
    @SuppressWarnings("unchecked")
    private static <T> T field(Row s, String name) {
        return has(s, name) ? (T) s.get(s.fieldIndex(name)) : null;
    }

    private static String stringColumn(Row row, String name) {
        List<String> names = List.of(row.schema().fieldNames());
        for (String n : List.of(name, "input_" + name)) {
            if (names.contains(n) && row.schema().apply(n).dataType().equals(DataTypes.StringType)) {
                return row.getAs(n);
            }
        }
        return null;
    }

    private static ReportModel.Box box(Row b) {
        return new ReportModel.Box(b.getAs("x0"), b.getAs("y0"), b.getAs("x1"), b.getAs("y1"));
    }
}
