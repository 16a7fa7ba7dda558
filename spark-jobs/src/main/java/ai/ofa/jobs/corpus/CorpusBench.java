package ai.ofa.jobs.corpus;

import ai.ofa.jobs.corpus.dedup.CorpusDefaults;
import ai.ofa.jobs.corpus.dedup.HammingBands;
import ai.ofa.jobs.corpus.dedup.HammingJoin;
import ai.ofa.jobs.corpus.dedup.Fingerprint;
import ai.ofa.jobs.corpus.dedup.ImageHash;
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
 * <pre>./ofa bench-corpus [--max-corpus 1000000] [--eval 150000] [--threshold 64] [--dedup-threshold 16]
 *                     [--only phash|photos|leakage|selfjoin|codes] [--images DIR]
 *                     [--vqgan build/bench-image/vqgan] [--code-images 32]</pre>
 * {@code phash}: fingerprints (PDQ, decode included) per second on one core over the JPEGs of DIR, by default
 * Debian's wallpaper photographs scaled to fit 1280 x 1024 (JPEG q90, made once under
 * build/bench-corpus/photos); {@code photos}: the leakage benchmark on real photographs ({@link PhotoLeakageBench}).
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
                defaultValue = "" + CorpusDefaults.PDQ_MAX_DISTANCE,
                description = "leakage distance in bits (default: ${DEFAULT-VALUE})")
        int threshold;
        @picocli.CommandLine.Option(names = "--dedup-threshold", paramLabel = "K",
                defaultValue = "" + CorpusDefaults.DEDUP_PDQ_MAX_DISTANCE,
                description = "self-join distance in bits (default: ${DEFAULT-VALUE})")
        int dedupThreshold;
        @picocli.CommandLine.Option(names = "--only", paramLabel = "PART",
                description = "one part only: ${COMPLETION-CANDIDATES} (default: all)")
        Part only;
        @picocli.CommandLine.Option(names = "--vqgan", paramLabel = "PKG", defaultValue = "build/bench-image/vqgan",
                description = "VQGAN package of the codes part (default: ${DEFAULT-VALUE}, the published shape, made "
                        + "by ./ofa bench-image)")
        Path vqgan;
        @picocli.CommandLine.Option(names = "--code-images", paramLabel = "N", defaultValue = "32",
                description = "images the codes part codes through Spark (default: ${DEFAULT-VALUE})")
        int codeImages;

        @picocli.CommandLine.Option(names = "--images", paramLabel = "DIR",
                description = "JPEGs to fingerprint for --only phash (default: Debian's wallpaper photos scaled "
                        + "to fit 1280x1024, made once under build/bench-corpus/photos)")
        Path images;

        enum Part { phash, photos, leakage, selfjoin, codes }

        @Override
        public Integer call() throws Exception {
            if (maxCorpus < 1 || evalSize < 1) {
                throw new ai.ofa.cli.OfaCli.UsageException("--max-corpus and --eval must be positive, got "
                        + maxCorpus + " and " + evalSize);
            }
            if (only == null || only == Part.phash) {
                phash(images);
            }
            if (only == null || only == Part.photos) {
                List<Path> pool = PhotoLeakageBench.debianPhotos();
                for (ai.ofa.jobs.corpus.dedup.ImageHash kind : ai.ofa.jobs.corpus.dedup.ImageHash.values()) {
                    int k = kind == ai.ofa.jobs.corpus.dedup.ImageHash.PDQ ? threshold : kind.defaultLeakDistance();
                    PhotoLeakageBench.Result r = PhotoLeakageBench.run(pool, kind, new int[]{k}, 1024,
                            kind == ai.ofa.jobs.corpus.dedup.ImageHash.PDQ ? CorpusDefaults.PDQ_EVAL_CROPS
                                    : new double[0]).get(0);
                    PhotoLeakageBench.json(r, kind, k).forEach(System.out::println);
                }
            }
            if (only == null || only == Part.leakage) {
                leakage(maxCorpus, evalSize, threshold);
            }
            if (only == null || only == Part.selfjoin) {
                selfJoin(maxCorpus, dedupThreshold);
            }
            if (only == null || only == Part.codes) {
                if (codeImages < 1) {
                    throw new ai.ofa.cli.OfaCli.UsageException("--code-images must be positive, got " + codeImages);
                }
                if (!java.nio.file.Files.exists(vqgan)) {
                    String why = "no VQGAN package at " + vqgan + " (--vqgan; ./ofa bench-image makes one of the "
                            + "published shape)";
                    if (only == Part.codes) {
                        throw new ai.ofa.cli.OfaCli.UsageException(why);
                    }
                    System.out.println("{\"codes\":\"skipped: " + why + "\"}");
                } else {
                    codes(vqgan, codeImages);
                }
            }
            return 0;
        }
    }

    /** Debian's photographs scaled to fit 1280 x 1024, JPEG q90, written once. */
    static Path defaultPhotos() throws Exception {
        Path dir = Path.of("build/bench-corpus/photos");
        if (Files.isDirectory(dir)) {
            try (var s = Files.list(dir)) {
                if (s.findAny().isPresent()) {
                    return dir;
                }
            }
        }
        Files.createDirectories(dir);
        int n = 0;
        for (Path p : PhotoLeakageBench.photos(List.of("/usr/share/backgrounds", "/usr/share/wallpapers"))) {
            if (!p.toString().toLowerCase(java.util.Locale.ROOT).matches(".*\\.jpe?g$")) {
                continue;
            }
            ai.ofa.image.RgbImage img = new ai.ofa.image.ImageDecoder().decode(Files.readAllBytes(p));
            double f = Math.min(1.0, Math.min(1280.0 / img.width(), 1024.0 / img.height()));
            java.awt.image.BufferedImage b = new java.awt.image.BufferedImage(img.width(), img.height(),
                    java.awt.image.BufferedImage.TYPE_INT_RGB);
            int[] argb = new int[img.width() * img.height()];
            byte[] rgb = img.rgb();
            for (int i = 0; i < argb.length; i++) {
                argb[i] = (rgb[3 * i] & 0xff) << 16 | (rgb[3 * i + 1] & 0xff) << 8 | (rgb[3 * i + 2] & 0xff);
            }
            b.setRGB(0, 0, img.width(), img.height(), argb, 0, img.width());
            Files.write(dir.resolve(String.format("%03d.jpg", n++)),
                    ai.ofa.jobs.Jpeg.encode(PhotoLeakageBench.scaled(b, f), 0.9f));
        }
        return dir;
    }

    /** Fingerprints per second on this thread: every JPEG of the folder once per pass, passes for 10 s. */
    private static void phash(Path dir) throws Exception {
        Path d = dir != null ? dir : defaultPhotos();
        List<byte[]> images = new ArrayList<>();
        long pixels = 0;
        try (var s = Files.list(d)) {
            for (Path p : (Iterable<Path>) s.sorted()::iterator) {
                if (p.toString().toLowerCase(java.util.Locale.ROOT).matches(".*\\.jpe?g$")) {
                    images.add(Files.readAllBytes(p));
                }
            }
        }
        if (images.isEmpty()) {
            throw new ai.ofa.cli.OfaCli.UsageException("--images " + d + " holds no .jpg files");
        }
        long bytes = 0;
        for (byte[] b : images) {
            Fingerprint f = Fingerprint.of(b, ImageHash.PDQ);   // warm-up, and the sizes
            pixels += (long) f.width() * f.height();
            bytes += b.length;
        }
        // per core = per second of this thread's CPU time: on a shared machine wall time also counts the others
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        for (ImageHash kind : ImageHash.values()) {
            int n = 0;
            long c0 = cpu.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            while (cpu.getCurrentThreadCpuTime() - c0 < (kind == ImageHash.PDQ ? 10e9 : 3e9)) {
                for (byte[] b : images) {
                    Fingerprint.of(b, kind);
                    n++;
                }
            }
            double cpuSecs = (cpu.getCurrentThreadCpuTime() - c0) / 1e9;
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf(java.util.Locale.ROOT, "{\"%s\":%.1f,\"wall_images_per_s\":%.1f,\"hash\":\"%s\","
                    + "\"images\":%d,\"mean_megapixels\":%.2f,\"mean_kb\":%d,\"dir\":\"%s\",\"decode\":\"%s\"}%n",
                    kind == ImageHash.PDQ ? "phash_images_per_s_per_core" : "phash64_images_per_s_per_core",
                    n / cpuSecs, n / secs, kind.configName(), images.size(), pixels / 1e6 / images.size(),
                    bytes / images.size() / 1000, d, kind == ImageHash.PDQ
                            ? "JPEG luma at reduced DCT scale, included" : "full decode, included");
        }
    }

    /**
     * A uniform 256-bit hash of {@code id} (four xxhash64 words, seeds from {@code seed}), its first word XORed
     * with {@code flip} when given (a near copy).
     */
    private static org.apache.spark.sql.Column wide(org.apache.spark.sql.Column id, int seed,
                                                    org.apache.spark.sql.Column flip) {
        org.apache.spark.sql.Column w0 = functions.xxhash64(id, functions.lit(seed));
        return functions.array(flip == null ? w0 : w0.bitwiseXOR(flip),
                functions.xxhash64(id, functions.lit(seed + 100)), functions.xxhash64(id, functions.lit(seed + 200)),
                functions.xxhash64(id, functions.lit(seed + 300)));
    }

    private static void leakage(long maxCorpus, long evalSize, int k) {
        int cores = Runtime.getRuntime().availableProcessors();
        SparkSession spark = SparkSession.builder().master("local[" + cores + "]").appName("ofa-corpus-bench")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            final long evalN = evalSize;
            Dataset<Row> eval = spark.range(evalN).select(functions.col("id").cast("string").as("eval_id"),
                    wide(functions.col("id"), 7, null).as("phash"));
            double first = 0;
            long firstN = 0;
            for (long corpusN : new long[]{maxCorpus / 10, maxCorpus * 3 / 10, maxCorpus}) {
                // 1% of the corpus are near copies (5 bits off) of evaluation hashes, the rest unrelated
                Dataset<Row> corpus = spark.range(corpusN).select(functions.col("id").cast("string").as("image_id"),
                        functions.when(functions.col("id").mod(100).equalTo(0),
                                wide(functions.col("id").divide(100).cast("long").mod(evalN), 7,
                                        functions.pow(functions.lit(2.0), functions.col("id").mod(59)).cast("long")
                                                .multiply(31L)))
                                .otherwise(wide(functions.col("id"), 3, null)).as("phash"))
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
                                wide(functions.col("id").minus(1), 3, functions.lit(0b1011L).multiply(
                                        functions.pow(functions.lit(2.0), functions.col("id").mod(50)).cast("long"))))
                                .otherwise(wide(functions.col("id"), 3, null)).as("phash"))
                        .repartition(cores * 2).cache();
                corpus.count();
                HammingBands plan = HammingBands.planSplit(256, k, n, n);
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
