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
 * threshold) for the same N; and image-infilling codes computed as the job computes them ({@code vqgan.model}):
 * images/s and codes/s on one core, and through the job's Spark stage on every core.
 *
 * <pre>./ofa bench-corpus [--max-corpus 1000000] [--eval 150000] [--threshold 12] [--dedup-threshold 4]
 *                     [--only phash|leakage|selfjoin|codes] [--vqgan build/bench-image/vqgan] [--images 32]</pre>
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
                    + "evaluation hashes, the corpus self-join at the dedup threshold, and image-infilling codes/s "
                    + "per core (figures only).")
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
        @picocli.CommandLine.Option(names = "--vqgan", paramLabel = "PKG", defaultValue = "build/bench-image/vqgan",
                description = "VQGAN package of the codes part (default: ${DEFAULT-VALUE}, the published shape, made "
                        + "by ./ofa bench-image)")
        Path vqgan;
        @picocli.CommandLine.Option(names = "--images", paramLabel = "N", defaultValue = "32",
                description = "images the codes part codes through Spark (default: ${DEFAULT-VALUE})")
        int images;

        enum Part { phash, leakage, selfjoin, codes }

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
            if (only == null || only == Part.codes) {
                if (images < 1) {
                    throw new ai.ofa.cli.OfaCli.UsageException("--images must be positive, got " + images);
                }
                if (!java.nio.file.Files.exists(vqgan)) {
                    String why = "no VQGAN package at " + vqgan + " (--vqgan; ./ofa bench-image makes one of the "
                            + "published shape)";
                    if (only == Part.codes) {
                        throw new ai.ofa.cli.OfaCli.UsageException(why);
                    }
                    System.out.println("{\"codes\":\"skipped: " + why + "\"}");
                } else {
                    codes(vqgan, images);
                }
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

    /** The 1-minute load average (other work on the machine skews every figure), or -1 where unknown. */
    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException | RuntimeException e) {
            return "-1";
        }
    }

    /**
     * Image-infilling codes as the corpus job computes them: decode, Pillow-exact resize to 256, the middle
     * 128 x 128 through the VQGAN encoder (256 codes). First on one core without Spark (batch 1 and 8), then
     * through {@link InfillCodes#fill} on local[cores] (one model per JVM, one ONNX Runtime thread per task).
     */
    private static void codes(Path vqgan, int n) throws Exception {
        List<byte[]> images = new ArrayList<>();
        for (String f : List.of("examples/images/astronaut.png", "examples/images/hubble_deep_field.jpg")) {
            images.add(Files.readAllBytes(Path.of(f)));
        }
        String what = "examples/images (512x512 PNG, 1000x872 JPEG), decode and resize included";
        try (ai.ofa.model.VqganModel vq = ai.ofa.model.VqganModel.load(vqgan, new ai.ofa.model.SessionSettings(
                ai.ofa.model.Device.CPU, 1, ai.ofa.model.SessionSettings.Optimization.ALL))) {
            ai.ofa.task.ImageCoding coding = new ai.ofa.task.ImageCoding(vq);
            for (int batch : new int[]{1, 8}) {
                List<byte[]> b = new ArrayList<>();
                for (int i = 0; i < batch; i++) {
                    b.add(images.get(i % 2));
                }
                coding.middleCodes(b);   // warm-up
                int rounds = Math.max(2, 16 / batch);
                long t0 = System.nanoTime();
                for (int r = 0; r < rounds; r++) {
                    coding.middleCodes(b);
                }
                double perS = rounds * batch / ((System.nanoTime() - t0) / 1e9);
                System.out.printf("{\"codes\":\"one core\",\"vqgan\":\"%s\",\"batch\":%d,"
                        + "\"images_per_s_per_core\":%.2f,\"codes_per_s_per_core\":%.0f,\"load_average\":%s,"
                        + "\"images\":\"%s\"}%n", vq.vqganPackage().name(), batch, perS, perS * 256, load(), what);
            }
        }
        int cores = Runtime.getRuntime().availableProcessors();
        SparkSession spark = SparkSession.builder().master("local[" + cores + "]").appName("ofa-corpus-bench")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                rows.add(org.apache.spark.sql.RowFactory.create("b:" + i + ":infill", "b", "image_infilling",
                        images.get(i % 2), null));
            }
            org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType()
                    .add("record_id", "string").add("source", "string").add("task", "string")
                    .add("image", "binary").add("refs", "string");
            Dataset<Row> records = spark.createDataFrame(rows, schema).repartition(cores).cache();
            records.count();
            CorpusConfig.Vqgan v = new CorpusConfig.Vqgan(vqgan.toString(), CorpusConfig.Vqgan.DEFAULT_BATCH_SIZE,
                    1, "cpu");
            InfillCodes.fill(records.limit(cores), v).kept().count();   // loads the model once per JVM
            long t0 = System.nanoTime();
            long coded = InfillCodes.fill(records, v).coded().count();
            double perS = coded / ((System.nanoTime() - t0) / 1e9);
            System.out.printf("{\"codes\":\"corpus job stage\",\"images\":%d,\"cores\":%d,\"batch\":%d,"
                    + "\"images_per_s\":%.2f,\"images_per_s_per_core\":%.2f,\"codes_per_s_per_core\":%.0f,"
                    + "\"load_average\":%s}%n", coded, cores, v.batchSize(), perS, perS / cores, perS / cores * 256,
                    load());
        } finally {
            spark.stop();
        }
    }
}
