package ai.ofa.jobs.corpus;

import ai.ofa.jobs.corpus.dedup.CorpusDefaults;
import ai.ofa.jobs.corpus.dedup.HammingBands;
import ai.ofa.jobs.corpus.dedup.HammingJoin;
import ai.ofa.jobs.corpus.dedup.PerceptualHash;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Benchmark of the corpus job's deduplication (figures printed, nothing asserted): perceptual hashing images/s on
 * one core; the leakage join of N corpus hashes against 150k evaluation hashes on local Spark for N = 100k,
 * 300k and 1M, with its growth against N; and the corpus's self-join (near-duplicate images, at the dedup
 * threshold) for the same N.
 *
 * <pre>./ofa bench-corpus [--max-corpus 1000000] [--eval 150000] [--threshold 12] [--dedup-threshold 4]
 *                     [--only phash|leakage|selfjoin]</pre>
 */
public final class CorpusBench {
    private CorpusBench() {
    }

    public static void main(String[] args) {
        ai.ofa.jobs.JobCli.exit(new Cli(), args);
    }

    /** The options; see the class doc. */
    @picocli.CommandLine.Command(name = "ofa bench-corpus", mixinStandardHelpOptions = true,
            description = "Perceptual hashing images/s, the leakage join of 100k..1M corpus hashes against the "
                    + "evaluation hashes, and the corpus self-join at the dedup threshold (figures only).")
    static final class Cli implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Option(names = "--max-corpus", paramLabel = "N", defaultValue = "1000000",
                description = "largest corpus size of the joins (default: ${DEFAULT-VALUE})")
        long maxCorpus;
        @picocli.CommandLine.Option(names = "--eval", paramLabel = "N", defaultValue = "150000",
                description = "evaluation hashes (default: ${DEFAULT-VALUE})")
        long evalSize;
        @picocli.CommandLine.Option(names = "--threshold", paramLabel = "K",
                defaultValue = "" + CorpusDefaults.PHASH_MAX_DISTANCE,
                description = "leakage distance in bits (default: ${DEFAULT-VALUE})")
        int threshold;
        @picocli.CommandLine.Option(names = "--dedup-threshold", paramLabel = "K",
                defaultValue = "" + CorpusDefaults.DEDUP_PHASH_MAX_DISTANCE,
                description = "self-join distance in bits (default: ${DEFAULT-VALUE})")
        int dedupThreshold;
        @picocli.CommandLine.Option(names = "--only", paramLabel = "PART",
                description = "one part only: ${COMPLETION-CANDIDATES} (default: all)")
        Part only;

        enum Part { phash, leakage, selfjoin }

        @Override
        public Integer call() throws Exception {
            if (maxCorpus < 1 || evalSize < 1) {
                throw new ai.ofa.cli.OfaCli.UsageException("--max-corpus and --eval must be positive, got "
                        + maxCorpus + " and " + evalSize);
            }
            if (only == null || only == Part.phash) {
                phash();
            }
            if (only == null || only == Part.leakage) {
                leakage(maxCorpus, evalSize, threshold);
            }
            if (only == null || only == Part.selfjoin) {
                selfJoin(maxCorpus, dedupThreshold);
            }
            return 0;
        }
    }

    private static void phash() throws Exception {
        List<byte[]> images = new ArrayList<>();
        for (String f : List.of("examples/images/astronaut.png", "examples/images/hubble_deep_field.jpg")) {
            images.add(Files.readAllBytes(Path.of(f)));
        }
        for (int i = 0; i < 4; i++) {
            PerceptualHash.of(images.get(i % 2));   // warm-up
        }
        int n = 40;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            PerceptualHash.of(images.get(i % 2));
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("{\"phash_images_per_s_per_core\":%.1f,\"images\":\"examples/images (512x512 PNG, "
                + "1000x872 JPEG), decode included\"}%n", n / s);
    }

    private static void leakage(long maxCorpus, long evalSize, int k) {
        int cores = Runtime.getRuntime().availableProcessors();
        SparkSession spark = SparkSession.builder().master("local[" + cores + "]").appName("ofa-corpus-bench")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            final long evalN = evalSize;
            Dataset<Row> eval = spark.range(evalN).select(functions.col("id").cast("string").as("eval_id"),
                    functions.xxhash64(functions.col("id"), functions.lit(7)).as("phash"));
            double first = 0;
            long firstN = 0;
            for (long corpusN : new long[]{maxCorpus / 10, maxCorpus * 3 / 10, maxCorpus}) {
                // 1% of the corpus are near copies (5 bits off) of evaluation hashes, the rest unrelated
                Dataset<Row> corpus = spark.range(corpusN).select(functions.col("id").cast("string").as("image_id"),
                        functions.when(functions.col("id").mod(100).equalTo(0),
                                functions.xxhash64(functions.col("id").divide(100).cast("long").mod(evalN),
                                        functions.lit(7)).bitwiseXOR(functions.pow(functions.lit(2.0),
                                        functions.col("id").mod(59)).cast("long").multiply(31L)))
                                .otherwise(functions.xxhash64(functions.col("id"), functions.lit(3))).as("phash"))
                        .repartition(cores * 2).cache();
                corpus.count();
                long t = System.nanoTime();
                long pairs = HammingJoin.joinBroadcast(corpus, "image_id", "phash", eval, "eval_id", "phash", k)
                        .count();
                double secs = (System.nanoTime() - t) / 1e9;
                if (first == 0) {
                    first = secs;
                    firstN = corpusN;
                }
                System.out.printf("{\"corpus\":%d,\"eval\":%d,\"threshold\":%d,\"pairs\":%d,\"join_s\":%.2f,"
                        + "\"corpus_per_s\":%.0f,\"time_ratio\":%.2f,\"size_ratio\":%.2f,\"cores\":%d}%n", corpusN,
                        evalN, k, pairs, secs, corpusN / secs, secs / first, corpusN / (double) firstN, cores);
                corpus.unpersist();
            }
        } finally {
            spark.stop();
        }
    }

    /** Near-duplicates within the corpus: N hashes joined with themselves, 1% of them near copies of another. */
    private static void selfJoin(long maxCorpus, int k) {
        int cores = Runtime.getRuntime().availableProcessors();
        SparkSession spark = SparkSession.builder().master("local[" + cores + "]").appName("ofa-corpus-bench")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", String.valueOf(cores * 4))
                .getOrCreate();
        try {
            double first = 0;
            long firstN = 0;
            for (long n : new long[]{maxCorpus / 10, maxCorpus * 3 / 10, maxCorpus}) {
                Dataset<Row> corpus = spark.range(n).select(functions.col("id").cast("string").as("image_id"),
                        functions.when(functions.col("id").mod(100).equalTo(1),
                                functions.xxhash64(functions.col("id").minus(1), functions.lit(3)).bitwiseXOR(
                                        functions.lit(0b1011L).multiply(functions.pow(functions.lit(2.0),
                                                functions.col("id").mod(50)).cast("long"))))
                                .otherwise(functions.xxhash64(functions.col("id"), functions.lit(3))).as("phash"))
                        .repartition(cores * 2).cache();
                corpus.count();
                HammingBands plan = HammingBands.planSplit(k, n, n);
                long t = System.nanoTime();
                long pairs = HammingJoin.join(corpus, "image_id", "phash", corpus, "image_id", "phash", plan)
                        .filter("left_id < right_id").count();
                double secs = (System.nanoTime() - t) / 1e9;
                if (first == 0) {
                    first = secs;
                    firstN = n;
                }
                System.out.printf("{\"self_join\":%d,\"threshold\":%d,\"plan\":\"%s\",\"pairs\":%d,\"join_s\":%.2f,"
                        + "\"images_per_s\":%.0f,\"time_ratio\":%.2f,\"size_ratio\":%.2f,\"cores\":%d}%n", n, k, plan,
                        pairs, secs, n / secs, secs / first, n / (double) firstN, cores);
                corpus.unpersist();
            }
        } finally {
            spark.stop();
        }
    }
}
