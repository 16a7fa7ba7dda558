package ai.ofa.jobs.corpus.dedup;

import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.List;

/**
 * Every (left, right) pair whose hashes differ in at most k bits, on Spark, with exact recall: multi-index
 * hashing ({@link HammingBands}). Hash columns are {@code array<bigint>} (64 x n bits, most significant word
 * first; {@link #HASH} and {@link #toColumn}), or {@code bigint} for 64-bit hashes. The left side is indexed by its
 * band values (one row per band, or every value within the index radius), the right side probes every band value
 * within the rest of the radius; pairs meeting on a key are verified by their full distance and deduplicated. Work
 * grows with the sizes of the sides plus the candidates, not with their product.
 *
 * <pre>{@code
 * Dataset<Row> pairs = HammingJoin.join(corpus, "image_id", "phash", evalSet, "eval_id", "phash", 31);
 * // left_id, right_id, distance
 * }</pre>
 */
public final class HammingJoin {
    public static final ArrayType HASH = DataTypes.createArrayType(DataTypes.LongType, false);
    public static final StructType RESULT = new StructType().add("left_id", DataTypes.StringType)
            .add("right_id", DataTypes.StringType).add("distance", DataTypes.IntegerType);
    private static final StructType KEYED = new StructType().add("k", DataTypes.LongType)
            .add("id", DataTypes.StringType).add("h", HASH);

    private HammingJoin() {
    }

    /** A hash as a row value of a {@link #HASH} column (a Scala sequence, as Spark's row encoder takes it). */
    public static scala.collection.immutable.Seq<Long> toColumn(long[] hash) {
        List<Long> out = new ArrayList<>(hash.length);
        for (long w : hash) {
            out.add(w);
        }
        return scala.jdk.javaapi.CollectionConverters.asScala(out).toList();
    }

    /** Field {@code i} of a row as a hash: {@code array<bigint>} or {@code bigint}. */
    public static long[] fromColumn(Row row, int i) {
        Object v = row.get(i);
        if (v instanceof Long l) {
            return new long[]{l};
        }
        List<Object> words = row.getList(i);
        long[] out = new long[words.size()];
        for (int w = 0; w < out.length; w++) {
            out[w] = (Long) words.get(w);
        }
        return out;
    }

    /**
     * The hash width of a column: 64 for bigint, 64 x n for array<bigint> (n from the first non-null value; -1
     * when there is none).
     */
    static int bits(Dataset<Row> df, String col) {
        DataType t = df.schema().apply(col).dataType();
        if (t.equals(DataTypes.LongType)) {
            return 64;
        }
        List<Row> first = df.select(functions.size(df.col(col))).filter(df.col(col).isNotNull()).limit(1)
                .collectAsList();
        return first.isEmpty() ? -1 : 64 * first.get(0).getInt(0);
    }

    public static Dataset<Row> join(Dataset<Row> left, String leftId, String leftHash, Dataset<Row> right,
                                    String rightId, String rightHash, int maxDistance) {
        // the left side is indexed by exact band values, the right side probes
        int bits = bits(left, leftHash);
        if (bits < 0) {   // no hash on the left: no pair
            return left.sparkSession().createDataFrame(List.of(), RESULT);
        }
        HammingBands bands = HammingBands.planSplit(bits, maxDistance, Math.max(1, left.count()),
                Math.max(1, right.count()));
        return join(left, leftId, leftHash, right, rightId, rightHash, bands);
    }

    public static Dataset<Row> join(Dataset<Row> left, String leftId, String leftHash, Dataset<Row> right,
                                    String rightId, String rightHash, HammingBands bands) {
        Dataset<Row> l = left.select(left.col(leftId).cast(DataTypes.StringType), left.col(leftHash))
                .flatMap(keys(bands, true), Encoders.row(KEYED));
        Dataset<Row> r = right.select(right.col(rightId).cast(DataTypes.StringType), right.col(rightHash))
                .flatMap(keys(bands, false), Encoders.row(KEYED));
        // a sort-merge join: both keyed sides can be far larger than Spark's size estimate of a flatMap, and a
        // broadcast of either would not fit
        Dataset<Row> pairs = l.hint("merge").as("l").join(r.as("r"), functions.col("l.k").equalTo(functions.col("r.k")))
                .select(functions.col("l.id").as("left_id"), functions.col("r.id").as("right_id"),
                        functions.col("l.h").as("lh"), functions.col("r.h").as("rh"))
                .withColumn("distance", functions.expr(
                        "aggregate(zip_with(lh, rh, (a, b) -> bit_count(a ^ b)), 0, (s, x) -> s + x)").cast("int"))
                .filter(functions.col("distance").leq(bands.maxDistance()))
                .select("left_id", "right_id", "distance");
        return pairs.dropDuplicates("left_id", "right_id");
    }

    /**
     * The same pairs when the right side is small enough to hold in memory (an evaluation set: up to millions of
     * hashes): the right side becomes a {@link BandIndex} broadcast to every executor, and the left side (the corpus,
     * any size) probes it partition by partition, with no shuffle: work grows linearly with the corpus.
     */
    public static Dataset<Row> joinBroadcast(Dataset<Row> left, String leftId, String leftHash, Dataset<Row> right,
                                             String rightId, String rightHash, int maxDistance) {
        List<Row> r = right.select(right.col(rightId).cast(DataTypes.StringType), right.col(rightHash))
                .filter(right.col(rightHash).isNotNull()).collectAsList();
        String[] ids = new String[r.size()];
        long[][] hashes = new long[r.size()][];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = r.get(i).getString(0);
            hashes[i] = fromColumn(r.get(i), 1);
        }
        if (hashes.length == 0) {   // no evaluation image: no pair
            return left.sparkSession().createDataFrame(List.of(), RESULT);
        }
        int bits = 64 * hashes[0].length;
        // here the evaluation side is indexed and the corpus probes
        HammingBands bands = HammingBands.plan(bits, maxDistance, Math.max(1, ids.length),
                Math.max(1, left.count()));
        org.apache.spark.api.java.JavaSparkContext jsc = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(
                left.sparkSession().sparkContext());
        org.apache.spark.broadcast.Broadcast<BandIndex> index = jsc.broadcast(new BandIndex(bands, hashes));
        org.apache.spark.broadcast.Broadcast<String[]> names = jsc.broadcast(ids);
        return left.select(left.col(leftId).cast(DataTypes.StringType), left.col(leftHash))
                .mapPartitions((org.apache.spark.api.java.function.MapPartitionsFunction<Row, Row>) rows -> {
                    BandIndex idx = index.value();
                    String[] n = names.value();
                    List<Row> out = new ArrayList<>();
                    while (rows.hasNext()) {
                        Row row = rows.next();
                        if (row.isNullAt(1)) {
                            continue;
                        }
                        long[] h = fromColumn(row, 1);
                        String id = row.getString(0);
                        idx.within(h, item -> out.add(RowFactory.create(id, n[item], idx.distance(item, h))));
                    }
                    return out.iterator();
                }, Encoders.row(RESULT));
    }

    private static FlatMapFunction<Row, Row> keys(HammingBands bands, boolean exact) {
        return row -> {
            if (row.isNullAt(1)) {
                return java.util.Collections.emptyIterator();
            }
            long[] h = fromColumn(row, 1);
            long[] ks = exact ? bands.indexKeys(h) : bands.probeKeys(h);
            scala.collection.immutable.Seq<Long> hv = toColumn(h);
            List<Row> out = new ArrayList<>(ks.length);
            for (long k : ks) {
                out.add(RowFactory.create(k, row.getString(0), hv));
            }
            return out.iterator();
        };
    }
}
