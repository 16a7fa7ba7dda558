package ai.ofa.jobs.corpus.audit;

import ai.ofa.jobs.report.ReportModel;
import ai.ofa.jobs.report.Thumbnails;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * The corpus job's leakage audit: picks a seeded sample of removals per rule and evaluation set and the closest near
 * misses per evaluation set, fetches only those records' and evaluation items' images, and writes
 * {@code OUT/audit/index.html} ({@link AuditPage}) through Hadoop's FileSystem. Everything but the samples stays on
 * the executors: the driver holds counts and at most {@code sample} pairs per section.
 *
 * <pre>{@code LeakageAudit.write(spark, "out/audit", model -> ..., manifest, images, records, evalItems, readImages)}</pre>
 */
public final class LeakageAudit {
    private LeakageAudit() {
    }

    /** The audit's settings and the hash it judges. */
    public record Settings(String output, String hash, int hashBits, int threshold, int margin, long seed,
                           int sample, int nearMisses) {
    }

    /**
     * @param manifest   the job's removal manifest (record_id, source, rule, eval_set, eval_item, distance, detail)
     * @param nearMisses kept records just above the threshold (record_id, source, eval_set, eval_item, distance)
     * @param pairs      every pair of the perceptual join with its distance
     * @param records    the corpus records: record_id, image (bytes, may be null), text, question
     * @param evalItems  the evaluation items: eval_set, item_id and what {@code readImages} needs
     * @param readImages adds the image bytes ({@code image}) to a subset of {@code evalItems}
     * @return the page's path
     */
    public static String write(SparkSession spark, Settings s, Dataset<Row> manifest, Dataset<Row> nearMisses,
                               Dataset<Row> pairs, Dataset<Row> records, Dataset<Row> evalItems,
                               UnaryOperator<Dataset<Row>> readImages) throws IOException {
        Column hash = functions.xxhash64(functions.col("record_id"), functions.coalesce(functions.col("eval_item"),
                functions.lit("")), functions.lit(s.seed()));
        Map<List<String>, Long> totals = new java.util.LinkedHashMap<>();
        for (Row r : manifest.groupBy("rule", "eval_set").count().orderBy("rule", "eval_set").collectAsList()) {
            totals.put(java.util.Arrays.asList(r.getString(0), r.getString(1)), r.getLong(2));
        }
        List<Row> sampled = manifest.withColumn("_h", hash)
                .withColumn("_n", functions.row_number().over(Window.partitionBy("rule", "eval_set").orderBy("_h")))
                .filter(functions.col("_n").leq(s.sample())).orderBy("rule", "eval_set", "_n").collectAsList();
        List<Row> near = nearMisses.withColumn("_h", hash)
                .withColumn("_n", functions.row_number().over(Window.partitionBy("eval_set")
                        .orderBy(functions.col("distance"), functions.col("_h"))))
                .filter(functions.col("_n").leq(s.nearMisses())).orderBy("distance", "eval_set", "_n")
                .collectAsList();
        long nearTotal = nearMisses.count();
        TreeMap<Integer, Long> distances = new TreeMap<>();
        for (Row r : pairs.groupBy("distance").count().collectAsList()) {
            distances.put(r.getInt(0), r.getLong(1));
        }

        Set<String> recordIds = new LinkedHashSet<>();
        Set<List<String>> evalRefs = new LinkedHashSet<>();
        for (List<Row> rows : List.of(sampled, near)) {
            for (Row r : rows) {
                recordIds.add(r.getAs("record_id"));
                if (r.getAs("eval_item") != null) {
                    evalRefs.add(List.of(r.<String>getAs("eval_set"), r.<String>getAs("eval_item")));
                }
            }
        }
        Map<String, Row> recordRows = new HashMap<>();
        if (!recordIds.isEmpty()) {
            for (Row r : records.filter(functions.col("record_id").isin(recordIds.toArray()))
                    .select("record_id", "image", "text", "question").collectAsList()) {
                recordRows.put(r.getString(0), r);
            }
        }
        Map<List<String>, AuditModel.Thumb> evalThumbs = new HashMap<>();
        if (!evalRefs.isEmpty()) {
            List<Row> refs = new ArrayList<>();
            for (List<String> e : evalRefs) {
                refs.add(org.apache.spark.sql.RowFactory.create(e.get(0), e.get(1)));
            }
            Dataset<Row> wanted = spark.createDataFrame(refs, new org.apache.spark.sql.types.StructType()
                    .add("_set", "string").add("_item", "string"));
            Dataset<Row> items = evalItems.join(wanted, evalItems.col("eval_set").equalTo(wanted.col("_set"))
                    .and(evalItems.col("item_id").equalTo(wanted.col("_item")))).drop("_set", "_item");
            for (Row r : readImages.apply(items).select("eval_set", "item_id", "image").collectAsList()) {
                evalThumbs.putIfAbsent(List.of(r.getString(0), r.getString(1)), thumb(r.isNullAt(2) ? null
                        : (byte[]) r.get(2)));
            }
        }
        Map<String, AuditModel.Thumb> corpusThumbs = new HashMap<>();
        List<AuditModel.Section> sections = new ArrayList<>();
        for (Map.Entry<List<String>, Long> t : totals.entrySet()) {
            List<AuditModel.Pair> ps = new ArrayList<>();
            for (Row r : sampled) {
                if (t.getKey().equals(java.util.Arrays.asList(r.<String>getAs("rule"), r.<String>getAs("eval_set")))) {
                    ps.add(pair(r, r.getAs("detail"), recordRows, corpusThumbs, evalThumbs));
                }
            }
            sections.add(new AuditModel.Section(t.getKey().get(0), t.getKey().get(1), t.getValue(), ps));
        }
        List<AuditModel.Pair> nearPairs = new ArrayList<>();
        for (Row r : near) {
            nearPairs.add(pair(r, null, recordRows, corpusThumbs, evalThumbs));
        }
        AuditModel model = new AuditModel(s.output(), s.hash(), s.hashBits(), s.threshold(), s.margin(), s.seed(),
                sections, nearPairs, nearTotal, distances);
        Path dir = new Path(s.output(), "audit");
        FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
        Path page = new Path(dir, "index.html");
        try (FSDataOutputStream o = fs.create(page, true)) {
            o.write(AuditPage.render(model).getBytes(StandardCharsets.UTF_8));
        }
        return page.toString();
    }

    private static AuditModel.Pair pair(Row r, String detail, Map<String, Row> recordRows,
                                        Map<String, AuditModel.Thumb> corpusThumbs,
                                        Map<List<String>, AuditModel.Thumb> evalThumbs) {
        String id = r.getAs("record_id");
        Row rec = recordRows.get(id);
        String text = null;
        if (rec != null) {
            text = rec.isNullAt(2) ? (rec.isNullAt(3) ? null : rec.getString(3)) : rec.getString(2);
        }
        AuditModel.Thumb ct = corpusThumbs.computeIfAbsent(id, k -> rec == null || rec.isNullAt(1) ? null
                : thumb((byte[]) rec.get(1)));
        String evalSet = r.getAs("eval_set");
        String evalItem = r.getAs("eval_item");
        AuditModel.Thumb et = evalItem == null ? null : evalThumbs.get(List.of(evalSet, evalItem));
        return new AuditModel.Pair(id, r.getAs("source"), evalSet, evalItem, r.getAs("distance"), detail, text, ct,
                et);
    }

    /** A thumbnail, or null for bytes that do not decode (an unreadable_image removal shows as "no image"). */
    private static AuditModel.Thumb thumb(byte[] image) {
        if (image == null) {
            return null;
        }
        try {
            ReportModel.Thumbnail t = Thumbnails.make(image, AuditPage.THUMB_SIDE);
            return new AuditModel.Thumb(t.dataUri(), t.originalWidth(), t.originalHeight());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
