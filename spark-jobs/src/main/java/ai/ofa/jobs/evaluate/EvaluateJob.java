package ai.ofa.jobs.evaluate;

import ai.ofa.jobs.JobCli;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Scores an OFA output (the enrich job's, or any Parquet with a key and an OFA result column) against gold data:
 * {@code ./ofa evaluate} or {@code spark-submit --class ai.ofa.jobs.evaluate.EvaluateJob}.
 *
 * <pre>
 * ./ofa evaluate --predictions build/enrich --gold captions_val2014.json --task caption --output build/eval
 * </pre>
 *
 * Writes metrics.json, metrics.txt, plots, and predictions.jsonl (each scored prediction). Only the key and the one
 * result column are collected to the driver: evaluation sets (thousands to a few
 * hundred thousand items) fit there; the metrics themselves are {@link Evaluation}'s, without Spark.
 */
public final class EvaluateJob {
    /** What an evaluation needs; {@code column} null means the task's default result column. */
    public record Options(String predictions, String gold, EvalTask task, String output, String column,
                          String keyCol, String instances, String master) {
    }

    @Command(name = "ofa evaluate", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Metrics of predictions (an enrich output, or Parquet with a key and an OFA result "
                    + "column) against gold data: metrics.json, metrics.txt and plots.",
                    "spark-submit --class ai.ofa.jobs.evaluate.EvaluateJob spark-jobs-all.jar --predictions OUT ..."})
    public static final class Cli implements java.util.concurrent.Callable<Integer> {
        @Option(names = "--predictions", required = true, paramLabel = "PATH", description = "enrich output "
                + "folder or Parquet")
        String predictions;
        @Option(names = "--gold", required = true, paramLabel = "FILE", description = "gold file: COCO captions "
                + "or instances, RefCOCO refs, VQAv2 annotations, labels or SNLI-VE JSON lines")
        String gold;
        @Option(names = "--task", required = true, paramLabel = "TASK", description = "caption, ground, detect, "
                + "classify, vqa or entail")
        String task;
        @Option(names = "--output", paramLabel = "DIR", defaultValue = "evaluation", description = "where the "
                + "metrics go (default: ${DEFAULT-VALUE})")
        String output;
        @Option(names = "--column", paramLabel = "COL", description = "the result column (default: the task's, "
                + "e.g. caption, grounding)")
        String column;
        @Option(names = "--key-col", paramLabel = "COL", defaultValue = "key", description = "the key column "
                + "(default: ${DEFAULT-VALUE}, or path for a folder of images)")
        String keyCol;
        @Option(names = "--instances", paramLabel = "FILE", description = "COCO instances, for refs without boxes")
        String instances;
        @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: spark-submit's, "
                + "else local[*])")
        String master;

        public Options options() {
            EvalTask t;
            try {
                t = EvalTask.parse(task);
            } catch (IllegalArgumentException e) {
                throw new ai.ofa.cli.OfaCli.UsageException(e.getMessage());
            }
            return new Options(predictions, gold, t, output, column, keyCol, instances, master);
        }

        @Override
        public Integer call() throws java.io.IOException {
            Options o = options();
            SparkSession spark = JobCli.session("ofa-evaluate", o.master());
            try {
                Evaluation.Report r = run(spark, o);
                System.out.print(r.table());
                System.out.println("written: " + Path.of(o.output()).resolve("metrics.json") + ", metrics.txt, "
                        + r.plots().stream().map(p -> p.getFileName().toString()).toList());
            } finally {
                spark.stop();
            }
            return 0;
        }
    }

    private EvaluateJob() {
    }

    public static void main(String[] args) {
        JobCli.exit(new Cli(), args);
    }

    static Options parse(String... args) {
        return JobCli.parse(new Cli(), args).options();
    }

    public static Evaluation.Report run(SparkSession spark, Options o) throws java.io.IOException {
        EvalTask task = o.task();
        String column = o.column() != null ? o.column() : task.defaultColumn;
        String keyCol = o.keyCol();
        String location = o.predictions();
        // an enrich output folder holds its rows under data/
        String data = location;
        org.apache.hadoop.fs.Path dataDir = new org.apache.hadoop.fs.Path(location, "data");
        if (dataDir.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(dataDir)) {
            data = dataDir.toString();
        }
        Dataset<Row> df = spark.read().parquet(data);
        StructType schema = df.schema();
        List<String> cols = List.of(schema.fieldNames());
        if (!cols.contains(keyCol)) {
            keyCol = cols.contains("path") ? "path" : keyCol;
        }
        if (!cols.contains(keyCol)) {
            throw new IllegalArgumentException("Key column '" + keyCol + "' not in " + data + "; columns: " + cols
                    + " (set --key-col)");
        }
        if (!cols.contains(column) || !(schema.apply(column).dataType() instanceof StructType)) {
            throw new IllegalArgumentException("Result column '" + column + "' (an OFA result struct) not in " + data
                    + "; columns: " + cols + " (set --column, or run the " + task.name().toLowerCase() + " task)");
        }
        List<Prediction> predictions = new ArrayList<>();
        for (Row r : df.select(df.col(keyCol).cast(DataTypes.StringType), df.col(column)).collectAsList()) {
            predictions.add(toPrediction(r.getString(0), r.getStruct(1)));
        }
        Path out = Path.of(o.output());
        Files.createDirectories(out);
        // what was scored, item by item, for looking into a metric (one JSON object per line)
        com.fasterxml.jackson.databind.ObjectWriter json = new com.fasterxml.jackson.databind.ObjectMapper()
                .setSerializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL).writer();
        try (java.io.BufferedWriter w = Files.newBufferedWriter(out.resolve("predictions.jsonl"))) {
            for (Prediction p : predictions) {
                w.write(json.writeValueAsString(p));
                w.newLine();
            }
        }
        return Evaluation.run(task, predictions, Path.of(o.gold()),
                o.instances() != null ? Path.of(o.instances()) : null, out);
    }

    static Prediction toPrediction(String key, Row s) {
        if (s == null) {
            return new Prediction(key, null, null, null, null, null, "no result");
        }
        List<String> f = List.of(s.schema().fieldNames());
        String status = f.contains("status") ? s.getAs("status") : "ok";
        if (!"ok".equals(status)) {
            return new Prediction(key, null, null, null, null, null,
                    f.contains("error") ? s.getAs("error") : "status " + status);
        }
        double[] box = f.contains("box") && s.getAs("box") != null ? box(s.getAs("box")) : null;
        List<Prediction.DetectedBox> dets = null;
        if (f.contains("detections") && s.getAs("detections") != null) {
            dets = new ArrayList<>();
            for (Row d : s.<Row>getList(s.fieldIndex("detections"))) {
                dets.add(new Prediction.DetectedBox(d.getAs("label"), box(d.getAs("box")), d.<Double>getAs("score")));
            }
        }
        return new Prediction(key, field(s, f, "text"), field(s, f, "label"), field(s, f, "answer"), box, dets, null);
    }

    private static String field(Row s, List<String> fields, String name) {
        return fields.contains(name) ? s.getAs(name) : null;
    }

    private static double[] box(Row b) {
        return new double[]{b.getAs("x0"), b.getAs("y0"), b.getAs("x1"), b.getAs("y1")};
    }
}
