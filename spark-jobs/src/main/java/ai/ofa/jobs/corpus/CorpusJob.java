package ai.ofa.jobs.corpus;

import ai.ofa.jobs.corpus.dedup.ImageGroups;
import ai.ofa.jobs.corpus.dedup.ImageHash;
import ai.ofa.jobs.corpus.audit.LeakageAudit;
import ai.ofa.jobs.corpus.dedup.LeakageFilter;
import ai.ofa.jobs.corpus.text.NGramLeakage;
import ai.ofa.jobs.corpus.text.TextInfilling;
import ai.ofa.jobs.enrich.ReadImagesFromPaths;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The corpus job (first slice): public datasets in their own formats -> one record model with canonical image keys
 * -> bad records set aside by reason -> leakage filter against the evaluation sets (canonical id, content hash,
 * perceptual hash, 13-gram text overlap) -> exact and near-duplicate images grouped, identical (image group, text)
 * pairs kept once -> per-task targets sampled
 * deterministically -> Parquet, OFA's TSV files, a removal manifest and a report.
 *
 * <pre>./ofa corpus --config conf/corpus-example.conf     (spark-submit --class ai.ofa.jobs.corpus.CorpusJob CONF)</pre>
 */
public final class CorpusJob {
    public static final String VERSION = "0.1.0";

    private CorpusJob() {
    }

    public static void main(String[] args) {
        ai.ofa.jobs.JobCli.exit(new Cli(), args);
    }

    @picocli.CommandLine.Command(name = "ofa corpus", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Builds an OFA pretraining corpus: sources -> fingerprints -> deduplication -> leakage "
                    + "filter against the evaluation sets -> task examples -> Parquet, OFA TSV, a removal manifest "
                    + "and a report.",
                    "spark-submit --class ai.ofa.jobs.corpus.CorpusJob spark-jobs-all.jar --config corpus.conf",
                    "The config file's keys are described in conf/corpus-example.conf; --output and --set override "
                            + "them."})
    public static final class Cli implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Option(names = "--config", paramLabel = "FILE", description = "the corpus config "
                + "(properties); default under ./ofa: conf/corpus-example.conf")
        Path config;
        @picocli.CommandLine.Option(names = "--output", paramLabel = "DIR", description = "the output folder "
                + "(overrides the config's output)")
        String output;
        @picocli.CommandLine.Option(names = "--set", paramLabel = "KEY=VALUE", description = "override or add one "
                + "config setting, e.g. --set seed=3 --set phash.max_distance=10 (repeatable)")
        Map<String, String> overrides = new java.util.LinkedHashMap<>();

        public CorpusConfig config() {
            Path file = config;
            if (file == null) {
                String home = System.getProperty("ofa.home");
                if (home == null) {
                    throw new ai.ofa.cli.OfaCli.UsageException("Missing required option --config (a corpus config "
                            + "file; only ./ofa has a default)");
                }
                file = Path.of(home, "conf", "corpus-example.conf");
            }
            Map<String, String> all = new java.util.LinkedHashMap<>(overrides);
            if (output != null) {
                all.put("output", output);
            }
            try {
                return CorpusConfig.load(file, all);
            } catch (IllegalArgumentException e) {
                throw new ai.ofa.cli.OfaCli.UsageException(e.getMessage());
            }
        }

        @Override
        public Integer call() throws Exception {
            CorpusConfig c = config();
            SparkSession spark = ai.ofa.jobs.JobCli.session("ofa-corpus", null);
            try {
                Map<String, Object> report = run(spark, c);
                System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(report));
                System.out.println("corpus: " + c.output() + " (parquet/, tsv/, manifest/, audit/index.html, report.json)");
            } finally {
                spark.stop();
            }
            return 0;
        }
    }

    private static final String[] PRINT_COLUMNS = {"content_sha256", "phash", "hash_quality", "fingerprint_error",
        "image_width", "image_height"};

    /**
     * Gives every record with an image its bytes and fingerprint. Each distinct image file is read and fingerprinted
     * once, however many records point at it (COCO's five captions, its questions and its boxes share a file);
     * records that carry their bytes are fingerprinted as they are. A file that cannot be read makes its records bad
     * ("unreadable image: why"); bytes that cannot be decoded leave fingerprint_error set.
     */
    static Dataset<Row> withImages(Dataset<Row> records, SparkSession spark, ImageHash kind) {
        StructType pathOnly = new StructType().add("image_path", DataTypes.StringType);
        StructType read = pathOnly.add("_bytes", DataTypes.BinaryType).add("_read_error", DataTypes.StringType);
        SerializableConfiguration conf = new SerializableConfiguration(spark.sparkContext().hadoopConfiguration());
        Dataset<Row> files = LeakageFilter.fingerprint(records.filter("image_path IS NOT NULL").select("image_path")
                .distinct().mapPartitions(new ReadImagesFromPaths(conf, 0, 256L << 20), Encoders.row(read)), "_bytes", kind);
        Dataset<Row> byPath = records.filter("image_path IS NOT NULL").drop("image").join(files, "image_path")
                .withColumn("image", functions.col("_bytes"))
                .withColumn("bad_reason", functions.coalesce(functions.col("bad_reason"), functions.when(
                        functions.col("_read_error").isNotNull(), functions.concat(functions.lit("unreadable image: "),
                                functions.col("_read_error")))))
                .drop("_bytes", "_read_error");
        Dataset<Row> inline = LeakageFilter.fingerprint(records.filter("image_path IS NULL AND image IS NOT NULL"),
                "image", kind);
        Dataset<Row> none = records.filter("image_path IS NULL AND image IS NULL");
        for (String c : PRINT_COLUMNS) {
            none = none.withColumn(c, functions.lit(null).cast(inline.schema().apply(c).dataType()));
        }
        return byPath.unionByName(inline).unionByName(none);
    }

    public static Map<String, Object> run(SparkSession spark, CorpusConfig config) throws Exception {
        long start = System.nanoTime();
        // a VQGAN package that cannot be used fails here, naming vqgan.model, before any data is read
        config.vqgan().ifPresent(v -> InfillCodes.check(v, spark.sparkContext().hadoopConfiguration()));
        Dataset<Row> sourced = null;
        for (CorpusConfig.Source s : config.sources()) {
            Dataset<Row> d = CorpusRecords.source(spark, s, config.vqgan().isPresent());
            sourced = sourced == null ? d : sourced.unionByName(d);
        }
        spark.udf().register("ofa_pixel_boxes", (org.apache.spark.sql.api.java.UDF3<String, Integer, Integer, String>)
                (refs, w, h) -> w == null ? refs : CorpusRecords.pixelBoxes(refs, w, h), DataTypes.StringType);
        // boxes given as fractions (OpenImages) become pixels now that each image's size is known
        Dataset<Row> records = withImages(sourced, spark, config.imageHash()).withColumn("refs",
                functions.callUDF("ofa_pixel_boxes",
                functions.col("refs"), functions.col("image_width"), functions.col("image_height"))).cache();

        Dataset<Row> evalSets = null;
        for (CorpusConfig.EvalSet e : config.evalSets()) {
            Dataset<Row> d = CorpusRecords.evalDataset(spark, e);
            evalSets = evalSets == null ? d : evalSets.unionByName(d);
        }
        if (evalSets == null) {
            evalSets = spark.createDataFrame(List.of(), CorpusRecords.EVAL_SCHEMA)
                    .withColumn("image", functions.lit(null).cast("binary"));
        }
        evalSets = evalSets.withColumn("bad_reason", functions.lit(null).cast("string")).cache();
        Dataset<Row> evalPrints = LeakageFilter.fingerprintEvaluation(withImages(evalSets.drop("texts"), spark,
                        config.imageHash()).filter("image IS NOT NULL"), "image", config.imageHash())
                .select("eval_set", "item_id", "image_key", "content_sha256", "phash", "fingerprint_error",
                        "eval_hashes").cache();
        List<String> evalTexts = evalSets.select(functions.explode(functions.col("texts")))
                .as(Encoders.STRING()).collectAsList();
        Set<Long> leakedNgrams = NGramLeakage.hashes(evalTexts, config.ngram());

        Dataset<Row> bad = records.filter("bad_reason IS NOT NULL");
        Dataset<Row> good = records.filter("bad_reason IS NULL");
        Dataset<Row> withImage = good.filter("image IS NOT NULL").drop(PRINT_COLUMNS);
        Dataset<Row> textOnly = good.filter("image IS NULL").drop(PRINT_COLUMNS);

        Dataset<Row> prints = good.filter("image IS NOT NULL").select("record_id", "source", "image_key",
                "content_sha256", "phash", "fingerprint_error").cache();
        int nearMissMargin = config.phashMaxDistance() < 0 ? 0 : config.audit().margin();
        LeakageFilter.Result images = LeakageFilter.applyFingerprinted(withImage, prints, evalPrints,
                config.phashMaxDistance(), nearMissMargin);

        // text leakage: captions, questions, expressions and documents sharing an n-gram with evaluation texts
        Broadcast<Set<Long>> ngrams = org.apache.spark.api.java.JavaSparkContext
                .fromSparkContext(spark.sparkContext()).broadcast(leakedNgrams);
        final int n = config.ngram();
        spark.udf().register("ofa_text_leaks", (org.apache.spark.sql.api.java.UDF1<String, Boolean>) t ->
                t != null && NGramLeakage.leaks(t, ngrams.value(), n), DataTypes.BooleanType);
        Dataset<Row> candidates = images.kept().unionByName(textOnly);
        Column leaks = functions.callUDF("ofa_text_leaks", functions.col("text"))
                .or(functions.callUDF("ofa_text_leaks", functions.col("question")));
        Dataset<Row> textManifest = candidates.filter(leaks).select(functions.col("record_id"),
                functions.col("source"), functions.lit("text_ngram").as("rule"),
                functions.lit(null).cast("string").as("eval_set"), functions.lit(null).cast("string").as("eval_item"),
                functions.lit(null).cast("int").as("distance"),
                functions.lit(n + "-gram shared with an evaluation text").as("detail"));
        Dataset<Row> clean = candidates.filter(functions.not(leaks));
        if (config.cutLeakedText()) {
            // text documents are cut around the leaked spans (pieces of 8+ tokens kept); captions and questions
            // that leak are dropped either way
            spark.udf().register("ofa_text_cut", (org.apache.spark.sql.api.java.UDF1<String, scala.collection.Seq<String>>)
                    t -> scala.jdk.javaapi.CollectionConverters.asScala(NGramLeakage.cut(t, ngrams.value(), n, 8)
                            .pieces()).toSeq(), DataTypes.createArrayType(DataTypes.StringType));
            Dataset<Row> cut = candidates.filter(leaks.and(functions.col("task").equalTo("text")))
                    .select(functions.col("*"), functions.posexplode(functions.callUDF("ofa_text_cut",
                            functions.col("text"))).as(new String[]{"_pos", "_piece"}))
                    .withColumn("record_id", functions.concat_ws(":", functions.col("record_id"),
                            functions.concat(functions.lit("piece"), functions.col("_pos").cast("string"))))
                    .withColumn("text", functions.col("_piece")).drop("_pos", "_piece");
            clean = clean.unionByName(cut);
        }

        // exact and near-duplicate images collapse to one image group; identical (group, text) pairs are kept once
        Dataset<Row> groups = ImageGroups.of(prints.filter("fingerprint_error IS NULL"),
                config.dedupPhashMaxDistance());
        Dataset<Row> recordGroup = prints.select(functions.col("record_id").as("_rid"), functions.col("content_sha256"))
                .join(groups, "content_sha256").select("_rid", "image_group");
        Dataset<Row> keyed = clean.join(recordGroup, clean.col("record_id").equalTo(recordGroup.col("_rid")), "left")
                .drop("_rid");
        Dataset<Row> deduped = keyed.withColumn("_dup", functions.row_number().over(Window.partitionBy(
                        functions.coalesce(functions.col("image_group"), functions.col("record_id")),
                        functions.col("task"), functions.coalesce(functions.col("text"), functions.lit("")),
                        functions.coalesce(functions.col("question"), functions.lit("")),
                        functions.coalesce(functions.col("refs"), functions.lit("")))
                // the copy with a dataset-linked image key stays (it keeps its identity), then the smallest id
                .orderBy(functions.col("image_key").isNull(), functions.col("record_id")))).cache();
        Dataset<Row> duplicates = deduped.filter("_dup > 1");
        Dataset<Row> unique = deduped.filter("_dup = 1").drop("_dup");
        if (config.itmNegatives()) {
            unique = unique.unionByName(imageTextMatching(unique, config.seed()));
        }
        // text infilling: the masked input goes with each document (the reference loader masks its TSV itself)
        final long seed = config.seed();
        spark.udf().register("ofa_text_mask", (org.apache.spark.sql.api.java.UDF2<String, Long, String>)
                TextInfilling::mask, DataTypes.StringType);
        unique = unique.withColumn("question", functions.when(functions.col("task").equalTo("text"),
                functions.callUDF("ofa_text_mask", functions.col("text"), functions.xxhash64(functions.col("record_id"),
                        functions.lit(seed)))).otherwise(functions.col("question")));

        // targets per source and task, then per task, kept in a seeded order (deterministic for the seed)
        Column order = functions.xxhash64(functions.col("record_id"), functions.lit(config.seed()));
        Dataset<Row> corpus = unique;
        Map<String, Long> perSource = new LinkedHashMap<>();
        Map<String, Long> perTask = new LinkedHashMap<>();
        config.targets().forEach((k, v) -> (k.contains(".") ? perSource : perTask).put(k, v));
        if (!perSource.isEmpty()) {
            Column keep = functions.lit(true);
            for (var t : perSource.entrySet()) {
                String[] st = t.getKey().split("\\.", 2);
                keep = keep.and(functions.not(functions.col("source").equalTo(st[0])
                        .and(functions.col("task").equalTo(st[1]))).or(functions.col("_rank").leq(t.getValue())));
            }
            corpus = corpus.withColumn("_rank", functions.row_number().over(Window.partitionBy("source", "task")
                    .orderBy(order))).filter(keep).drop("_rank");
        }
        if (!perTask.isEmpty()) {
            Column keep = functions.lit(true);
            for (var t : perTask.entrySet()) {
                keep = keep.and(functions.col("task").notEqual(t.getKey()).or(functions.col("_rank").leq(t.getValue())));
            }
            corpus = corpus.withColumn("_rank", functions.row_number().over(Window.partitionBy("task").orderBy(order)))
                    .filter(keep).drop("_rank");
        }
        corpus = corpus.drop("bad_reason");
        // image-infilling codes not supplied: computed now, for the records the corpus keeps
        InfillCodes.Result coded = null;
        if (config.vqgan().isPresent()) {
            coded = InfillCodes.fill(corpus, config.vqgan().get());
            corpus = coded.kept();
        }
        corpus = corpus.cache();

        String out = config.output();
        corpus.drop("image_path").write().mode("overwrite").option("maxRecordsPerFile", config.shardRecords())
                .partitionBy("task").parquet(out + "/parquet");
        Dataset<Row> manifest = images.manifest().unionByName(textManifest);
        manifest.write().mode("overwrite").parquet(out + "/manifest");
        writeTsv(spark, corpus, out, config.shardRecords());
        String auditPage = LeakageAudit.write(spark, new LeakageAudit.Settings(out, config.imageHash().configName(),
                        config.imageHash().bits(), config.phashMaxDistance(), nearMissMargin, config.seed(),
                        config.audit().sample(), config.audit().nearMisses()), manifest, images.nearMisses(),
                images.perceptualPairs(), records, evalSets.drop("texts"), d -> withImages(d, spark,
                        config.imageHash()));

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("job_version", VERSION);
        report.put("records_read", records.count());
        report.put("kept", counts(corpus.groupBy("source", "task").count()));
        Dataset<Row> badRecords = bad.filter(functions.not(functions.col("bad_reason").startsWith(
                CorpusRecords.SKIPPED_PREFIX))).select("source", "bad_reason");
        if (coded != null) {
            badRecords = badRecords.unionByName(coded.failed().select("source", "bad_reason"));
            Map<String, Object> codes = new LinkedHashMap<>();
            codes.put("vqgan_model", config.vqgan().get().model());
            codes.put("computed", coded.coded().count());
            codes.put("not_computed", coded.failed().count());
            report.put("image_codes", codes);
        }
        report.put("bad_records", counts(badRecords.groupBy("source", "bad_reason").count()));
        report.put("skipped", counts(bad.filter(functions.col("bad_reason").startsWith(CorpusRecords.SKIPPED_PREFIX))
                .groupBy("source", "task", "bad_reason").count()));
        report.put("removed_leakage", counts(manifest.groupBy("source", "rule", "eval_set").count()));
        report.put("removed_duplicate_pairs", duplicates.count());
        report.put("evaluation_images", evalPrints.count());
        report.put("evaluation_text_ngrams", leakedNgrams.size());
        report.put("near_misses", images.nearMisses().count());
        report.put("audit", auditPage);
        report.put("seconds", (System.nanoTime() - start) / 1e9);
        Files.createDirectories(Path.of(out));
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(Path.of(out, "report.json").toFile(), report);
        return report;
    }

    /**
     * Image-text matching examples from the captions, with OFA's instruction: each caption with its own image
     * (answer yes), and each image with the caption that follows it in a seeded order when that caption belongs to
     * another image group (answer no). Written as qa rows, which the reference loader reads as question/answer.
     */
    static Dataset<Row> imageTextMatching(Dataset<Row> records, long seed) {
        Dataset<Row> caps = records.filter("task = 'caption'")
                .withColumn("_h", functions.xxhash64(functions.col("record_id"), functions.lit(seed)));
        // neighbours in a seeded order, within buckets of about 100k captions (no single global sort), cyclic
        long buckets = Math.max(1, caps.count() / 100_000);
        org.apache.spark.sql.expressions.WindowSpec w = Window.partitionBy(functions.pmod(functions.col("_h"),
                functions.lit(buckets))).orderBy("_h");
        org.apache.spark.sql.expressions.WindowSpec whole = w.rowsBetween(Window.unboundedPreceding(),
                Window.unboundedFollowing());
        Dataset<Row> paired = caps
                .withColumn("_neg_text", functions.coalesce(functions.lead("text", 1).over(w),
                        functions.first("text").over(whole)))
                .withColumn("_neg_group", functions.coalesce(functions.lead("image_group", 1).over(w),
                        functions.first("image_group").over(whole)))
                .withColumn("_neg_id", functions.coalesce(functions.lead("record_id", 1).over(w),
                        functions.first("record_id").over(whole)));
        Column question = functions.concat(functions.lit("does the image describe \" "), functions.col("text"),
                functions.lit(" \"?"));
        Dataset<Row> yes = paired.withColumn("question", question).withColumn("refs", functions.lit("1.0|!+yes"))
                .withColumn("record_id", functions.concat(functions.col("record_id"), functions.lit(":itm-yes")));
        Dataset<Row> no = paired.filter(functions.col("_neg_id").notEqual(functions.col("record_id"))
                        .and(functions.not(functions.col("_neg_group").eqNullSafe(functions.col("image_group")))))
                .withColumn("question", functions.concat(functions.lit("does the image describe \" "),
                        functions.col("_neg_text"), functions.lit(" \"?")))
                .withColumn("refs", functions.lit("1.0|!+no"))
                .withColumn("record_id", functions.concat(functions.col("record_id"), functions.lit(":itm-no")));
        return yes.unionByName(no).withColumn("task", functions.lit("itm")).withColumn("text",
                functions.lit(null).cast("string")).drop("_h", "_neg_text", "_neg_group", "_neg_id");
    }

    private static List<Map<String, Object>> counts(Dataset<Row> grouped) {
        List<Map<String, Object>> out = new ArrayList<>();
        String[] cols = grouped.columns();
        for (Row r : grouped.orderBy(cols[0]).collectAsList()) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = 0; i < cols.length; i++) {
                m.put(cols[i], r.get(i));
            }
            out.add(m);
        }
        return out;
    }

    /**
     * OFA's four TSV files, in shards of at most {@code shardRecords} lines: vision-language (caption, qa,
     * visual_grounding, and itm as qa), detection (uniq_id, image, boxes), image (uniq_id, 256x256 image, codes:
     * image infilling) and text (uniq_id, text: text infilling, which the reference loader masks itself).
     */
    private static void writeTsv(SparkSession spark, Dataset<Row> corpus, String out, long shardRecords) {
        spark.udf().register("ofa_vl_tsv", (org.apache.spark.sql.api.java.UDF6<String, byte[], String, String,
                String, String, String>) (id, image, text, question, refs, task) -> OfaTsv.visionLanguage(id, image,
                task.equals("qa") || task.equals("itm") ? "" : text, question, refs, "",
                id.substring(0, id.indexOf(':')), task.equals("itm") ? "qa" : task),
                DataTypes.StringType);
        spark.udf().register("ofa_text_tsv", (org.apache.spark.sql.api.java.UDF2<String, String, String>)
                OfaTsv::text, DataTypes.StringType);
        spark.udf().register("ofa_det_tsv", (org.apache.spark.sql.api.java.UDF3<String, byte[], String, String>)
                OfaTsv::detection, DataTypes.StringType);
        spark.udf().register("ofa_image_tsv", (org.apache.spark.sql.api.java.UDF3<String, byte[], String, String>)
                OfaTsv::image, DataTypes.StringType);
        write(corpus.filter("task = 'detection'").select(functions.callUDF("ofa_det_tsv", functions.col("record_id"),
                functions.col("image"), functions.col("refs"))), out + "/tsv/detection", shardRecords);
        write(corpus.filter("task NOT IN ('text', 'detection', 'image_infilling')").select(functions.callUDF(
                "ofa_vl_tsv", functions.col("record_id"), functions.col("image"), functions.col("text"),
                functions.col("question"), functions.col("refs"), functions.col("task"))),
                out + "/tsv/vision_language", shardRecords);
        write(corpus.filter("task = 'image_infilling'").select(functions.callUDF("ofa_image_tsv",
                functions.col("record_id"), functions.col("image"), functions.col("refs"))), out + "/tsv/image",
                shardRecords);
        write(corpus.filter("task = 'text'").select(functions.callUDF("ofa_text_tsv", functions.col("record_id"),
                functions.col("text"))), out + "/tsv/text", shardRecords);
    }

    private static void write(Dataset<Row> lines, String dir, long shardRecords) {
        lines.write().mode("overwrite").option("maxRecordsPerFile", shardRecords).text(dir);
    }
}
