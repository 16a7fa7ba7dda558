package ai.ofa.jobs.corpus.dedup;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;

/**
 * Removes corpus records whose image is an evaluation image, by three rules in order: the same canonical image id
 * (dataset links such as COCO ids; {@code image_key} may list several, separated by {@code |}), the same decoded pixels (content hash), or a perceptual hash within the
 * threshold (exact recall: {@link HammingJoin#joinBroadcast}). Each removal is a manifest row: record id, source,
 * rule, evaluation set and item, distance. A record whose image cannot be decoded is removed with rule
 * {@code unreadable_image} and its reason.
 *
 * <pre>{@code
 * LeakageFilter.Result r = LeakageFilter.apply(corpus, evalImages, ImageHash.PDQ, 31);
 * // corpus: record_id, source, image_key, image;  evalImages: eval_set, item_id, image_key, image
 * r.kept();  r.manifest();
 * }</pre>
 */
public final class LeakageFilter {
    public static final StructType MANIFEST = new StructType().add("record_id", DataTypes.StringType)
            .add("source", DataTypes.StringType).add("rule", DataTypes.StringType)
            .add("eval_set", DataTypes.StringType).add("eval_item", DataTypes.StringType)
            .add("distance", DataTypes.IntegerType).add("detail", DataTypes.StringType);

    /**
     * {@code kept}: the corpus rows not removed; {@code manifest}: one row per removal ({@link #MANIFEST});
     * {@code nearMisses}: kept records within the near-miss margin above the threshold of an evaluation item
     * (record_id, source, eval_set, eval_item, distance); {@code perceptualPairs}: every (record, evaluation item)
     * pair of the perceptual join up to threshold + margin, with its distance (the audit's histogram).
     */
    public record Result(Dataset<Row> kept, Dataset<Row> manifest, Dataset<Row> nearMisses,
                         Dataset<Row> perceptualPairs) {
    }

    private LeakageFilter() {
    }

    /**
     * Adds content_sha256, phash (the perceptual hash of {@code kind}, {@code array<bigint>}), hash_quality (PDQ's
     * quality, null for pHash), fingerprint_error (null when the image decoded), image_width and image_height after
     * the given columns.
     */
    public static Dataset<Row> fingerprint(Dataset<Row> df, String imageCol, ImageHash kind) {
        StructType out = df.schema().add("content_sha256", DataTypes.StringType).add("phash", HammingJoin.HASH)
                .add("hash_quality", DataTypes.IntegerType)
                .add("fingerprint_error", DataTypes.StringType).add("image_width", DataTypes.IntegerType)
                .add("image_height", DataTypes.IntegerType);
        int image = df.schema().fieldIndex(imageCol);
        return df.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> ai.ofa.jobs.Rows.appending(rows, r -> {
            if (r.isNullAt(image)) {
                return new Object[]{null, null, null, "no image", null, null};
            }
            try {
                Fingerprint f = Fingerprint.of((byte[]) r.get(image), kind);
                return new Object[]{f.contentSha256(), HammingJoin.toColumn(f.hash()),
                    f.quality() < 0 ? null : f.quality(), null, f.width(), f.height()};
            } catch (RuntimeException e) {
                return new Object[]{null, null, null, String.valueOf(e.getMessage()), null, null};
            }
        }), Encoders.row(out));
    }

    /**
     * The evaluation side's fingerprints: as {@link #fingerprint}, plus {@code eval_hashes}
     * ({@code array<array<bigint>>}): under PDQ the whole picture and its crops ({@link Fingerprint#evaluationHashes},
     * {@link CorpusDefaults#PDQ_EVAL_CROPS}), under pHash-64 the one hash.
     */
    public static Dataset<Row> fingerprintEvaluation(Dataset<Row> df, String imageCol, ImageHash kind) {
        // rows fingerprinted already (the job's withImages) only gain the crops' hashes
        Dataset<Row> f = java.util.Arrays.asList(df.columns()).contains("phash") ? df : fingerprint(df, imageCol, kind);
        StructType out = f.schema().add("eval_hashes", DataTypes.createArrayType(HammingJoin.HASH));
        int image = f.schema().fieldIndex(imageCol);
        int err = f.schema().fieldIndex("fingerprint_error");
        int ph = f.schema().fieldIndex("phash");
        return f.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> ai.ofa.jobs.Rows.appending(rows, r -> {
            if (!r.isNullAt(err) || r.isNullAt(image)) {
                return new Object[]{null};
            }
            List<scala.collection.immutable.Seq<Long>> hs = new ArrayList<>();
            if (kind == ImageHash.PDQ) {
                for (long[] h : Fingerprint.evaluationHashes((byte[]) r.get(image), CorpusDefaults.PDQ_EVAL_CROPS)) {
                    hs.add(HammingJoin.toColumn(h));
                }
            } else {
                hs.add(HammingJoin.toColumn(HammingJoin.fromColumn(r, ph)));
            }
            return new Object[]{scala.jdk.javaapi.CollectionConverters.asScala(hs).toList()};
        }), Encoders.row(out));
    }

    /** PDQ fingerprints. */
    public static Dataset<Row> fingerprint(Dataset<Row> df, String imageCol) {
        return fingerprint(df, imageCol, ImageHash.PDQ);
    }

    public static Result apply(Dataset<Row> corpus, Dataset<Row> evalImages, ImageHash kind, int maxDistance) {
        return applyFingerprinted(corpus, fingerprint(corpus, "image", kind).drop("image"),
                fingerprintEvaluation(evalImages, "image", kind).drop("image"), maxDistance);
    }

    /**
     * The same, on fingerprinted sides ({@link #fingerprint} columns present, images dropped): {@code kept} are the
     * rows of {@code corpus} whose record was not removed.
     */
    public static Result applyFingerprinted(Dataset<Row> corpus, Dataset<Row> fingerprinted, Dataset<Row> evalPrints,
                                            int maxDistance) {
        return applyFingerprinted(corpus, fingerprinted, evalPrints, maxDistance, 0);
    }

    /**
     * The same, with the perceptual join run to {@code maxDistance + nearMissMargin}: pairs above the threshold are
     * not removed but returned as {@link Result#nearMisses} (for the leakage audit). A wider radius costs join time:
     * the band plan follows the radius.
     */
    public static Result applyFingerprinted(Dataset<Row> corpus, Dataset<Row> fingerprinted, Dataset<Row> evalPrints,
                                            int maxDistance, int nearMissMargin) {
        if (nearMissMargin < 0) {
            throw new IllegalArgumentException("audit.margin must be 0 or more bits, got " + nearMissMargin);
        }
        Dataset<Row> c = fingerprinted.cache();
        Dataset<Row> e = evalPrints.filter("fingerprint_error IS NULL").cache();
        Column none = functions.lit(null).cast(DataTypes.IntegerType);
        Dataset<Row> unreadable = c.filter("fingerprint_error IS NOT NULL").select(functions.col("record_id"),
                functions.col("source"), functions.lit("unreadable_image").as("rule"),
                functions.lit(null).cast("string").as("eval_set"), functions.lit(null).cast("string").as("eval_item"),
                none.as("distance"), functions.col("fingerprint_error").as("detail"));
        Dataset<Row> ok = c.filter("fingerprint_error IS NULL");
        // an image may be known by several dataset ids ("coco:3|flickr30k:77"): any shared one is the same image
        Dataset<Row> cKeys = ok.select(functions.col("record_id"), functions.col("source"),
                functions.explode(functions.split(functions.col("image_key"), "\\|")).as("key"));
        Dataset<Row> eKeys = e.select(functions.col("eval_set"), functions.col("item_id"),
                functions.explode(functions.split(functions.col("image_key"), "\\|")).as("key"));
        Dataset<Row> byId = cKeys.as("c").join(eKeys.as("e"), functions.col("c.key").equalTo(functions.col("e.key")))
                .select(functions.col("c.record_id"), functions.col("c.source"), functions.lit("canonical_id").as("rule"),
                        functions.col("e.eval_set"), functions.col("e.item_id").as("eval_item"), none.as("distance"),
                        functions.col("c.key").as("detail"));
        Dataset<Row> byContent = ok.as("c").join(e.as("e"),
                        functions.col("c.content_sha256").equalTo(functions.col("e.content_sha256")))
                .select(functions.col("c.record_id"), functions.col("c.source"), functions.lit("content_hash").as("rule"),
                        functions.col("e.eval_set"), functions.col("e.item_id").as("eval_item"),
                        functions.lit(0).as("distance"), functions.col("c.content_sha256").as("detail"));
        Dataset<Row> evalKeyed = e.withColumn("eval_ref", functions.concat_ws("\u0000", functions.col("eval_set"),
                functions.col("item_id")));
        if (java.util.Arrays.asList(e.columns()).contains("eval_hashes")) {
            // every hash an evaluation image is indexed under (the picture and its crops); the closest one counts
            evalKeyed = evalKeyed.drop("phash").withColumn("phash", functions.explode(functions.col("eval_hashes")));
        }
        // a negative threshold turns the perceptual rule off (ids and content hashes only)
        Dataset<Row> joined = maxDistance < 0
                ? ok.sparkSession().createDataFrame(List.of(), HammingJoin.RESULT)
                : HammingJoin.joinBroadcast(ok, "record_id", "phash", evalKeyed, "eval_ref", "phash",
                                maxDistance + nearMissMargin)
                        .groupBy("left_id", "right_id").agg(functions.min("distance").as("distance"));
        Dataset<Row> pairs = joined.join(ok.select("record_id", "source"),
                        joined.col("left_id").equalTo(ok.col("record_id")))
                .select(functions.col("record_id"), functions.col("source"),
                        functions.split(functions.col("right_id"), "\u0000").getItem(0).as("eval_set"),
                        functions.split(functions.col("right_id"), "\u0000").getItem(1).as("eval_item"),
                        functions.col("distance"));
        if (nearMissMargin > 0) {
            pairs = pairs.cache();
        }
        Dataset<Row> byPhash = pairs.filter(functions.col("distance").leq(maxDistance))
                .select(functions.col("record_id"), functions.col("source"), functions.lit("phash").as("rule"),
                        functions.col("eval_set"), functions.col("eval_item"), functions.col("distance"),
                        functions.lit(null).cast("string").as("detail"));
        // one manifest row per (record, evaluation item): the first rule that caught it
        Dataset<Row> all = unreadable.unionByName(byId).unionByName(byContent).unionByName(byPhash)
                .withColumn("_order", functions.when(functions.col("rule").equalTo("unreadable_image"), 0)
                        .when(functions.col("rule").equalTo("canonical_id"), 1)
                        .when(functions.col("rule").equalTo("content_hash"), 2).otherwise(3));
        org.apache.spark.sql.expressions.WindowSpec w = org.apache.spark.sql.expressions.Window
                .partitionBy("record_id", "eval_set", "eval_item").orderBy("_order");
        Dataset<Row> manifest = all.withColumn("_n", functions.row_number().over(w)).filter("_n = 1")
                .drop("_n", "_order");
        Dataset<Row> removed = manifest.select(functions.col("record_id").as("_removed_id")).distinct();
        Dataset<Row> kept = corpus.join(removed, corpus.col("record_id").equalTo(removed.col("_removed_id")),
                "left_anti");
        Dataset<Row> nearMisses = pairs.filter(functions.col("distance").gt(maxDistance))
                .join(removed, pairs.col("record_id").equalTo(removed.col("_removed_id")), "left_anti");
        return new Result(kept, manifest, nearMisses, pairs);
    }

    /** Counts of removals per source, rule and evaluation set (the report's table). */
    public static List<Row> counts(Dataset<Row> manifest) {
        return new ArrayList<>(manifest.groupBy("source", "rule", "eval_set").count()
                .orderBy("source", "rule", "eval_set").collectAsList());
    }
}
