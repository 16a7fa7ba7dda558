package ai.ofa.jobs.corpus;

import ai.ofa.jobs.corpus.dedup.ImageHash;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * The corpus job's configuration, parsed once from a properties file (strings stop here).
 *
 * <pre>
 * output = build/corpus
 * seed = 7
 * source.coco.type = coco-captions
 * source.coco.annotations = data/coco/captions_train2014.json
 * source.coco.images = data/coco/train2014
 * eval.karpathy.type = karpathy
 * eval.karpathy.annotations = data/dataset_coco.json
 * eval.karpathy.images = data/coco
 * target.caption = 20000000
 * target.coco.caption = 600000
 * </pre>
 * Targets cap a task ({@code target.TASK}) or one source's share of it ({@code target.SOURCE.TASK}); records are
 * kept in a seeded order, so the mix is deterministic.
 * {@code image.hash} picks the perceptual hash: {@code pdq} (256 bits, the default) or {@code phash64}.
 * Leakage and deduplication have their own perceptual-hash thresholds in bits of that hash
 * ({@code phash.max_distance}, default 64 for PDQ and 12 for pHash-64; {@code dedup.phash.max_distance}, default 16
 * and 4; {@code off} leaves only ids and content hashes); TSV and Parquet files hold at most {@code tsv.shard_records} rows each.
 * The leakage audit ({@code OUT/audit/index.html}, {@link Audit}) shows {@code audit.sample} seeded removals per
 * rule and evaluation set and the {@code audit.near_misses} closest pairs within {@code audit.margin} bits above the
 * threshold.
 * With {@code vqgan.model = PKG} (a package of {@code ./ofa convert-vqgan}), image-infilling records whose source
 * supplies no codes get them computed on the executors ({@code vqgan.batch_size}, {@code vqgan.threads},
 * {@code vqgan.device}; see {@link Vqgan}).
 */
public record CorpusConfig(String output, long seed, ImageHash imageHash, int phashMaxDistance, int dedupPhashMaxDistance, int ngram,
                           boolean cutLeakedText, boolean itmNegatives, long shardRecords, List<Source> sources, List<EvalSet> evalSets,
                           Map<String, Long> targets, java.util.Optional<Vqgan> vqgan, Audit audit) {
    public static final Set<String> SOURCE_TYPES = Set.of("coco-captions", "coco-instances", "vqa2", "refcoco",
            "visual-genome", "gqa", "img2dataset", "openimages", "text-jsonl");
    public static final Set<String> EVAL_TYPES = Set.of("karpathy", "refcoco", "vqa2", "snli-ve", "image-folder",
            "img2dataset");
    public static final Set<String> TASKS = Set.of("caption", "qa", "visual_grounding", "detection", "itm", "text",
            "image_infilling");

    /**
     * How image-infilling codes are computed: the VQGAN package ({@code vqgan.model}: a folder or .zip, local or a
     * Hadoop URI), images per model call ({@code vqgan.batch_size}, default 8), ONNX Runtime threads per model
     * ({@code vqgan.threads}, default 1: one model per executor serves every task thread) and the device
     * ({@code vqgan.device}: cpu, the default, gpu or auto).
     */
    public record Vqgan(String model, int batchSize, int threads, String device) {
        public static final int DEFAULT_BATCH_SIZE = 8;

        public Vqgan {
            if (batchSize < 1 || threads < 1) {
                throw new IllegalArgumentException("vqgan.batch_size and vqgan.threads must be positive, got "
                        + batchSize + " and " + threads);
            }
            if (!List.of("cpu", "gpu", "auto").contains(device)) {
                throw new IllegalArgumentException("vqgan.device is '" + device + "', expected cpu, gpu or auto");
            }
        }
    }

    /**
     * The leakage audit: removals shown per rule and evaluation set ({@code audit.sample}, default 24), near misses
     * shown per evaluation set ({@code audit.near_misses}, default 48), and how many bits above
     * {@code phash.max_distance} a pair counts as a near miss ({@code audit.margin}; default 8 for PDQ, 2 for
     * pHash-64; 0 looks for none and keeps the join at the threshold's radius).
     */
    public record Audit(int sample, int nearMisses, int margin) {
        public Audit {
            if (sample < 0 || nearMisses < 0 || margin < 0) {
                throw new IllegalArgumentException("audit.sample, audit.near_misses and audit.margin must be 0 or "
                        + "more, got " + sample + ", " + nearMisses + " and " + margin);
            }
        }

        static int defaultMargin(ImageHash hash) {
            return hash == ImageHash.PDQ ? 8 : 2;
        }
    }

    /** A source: its name (the prefix in the config), type and settings (annotations, images, path, ...). */
    public record Source(String name, String type, Map<String, String> settings) {
        public String require(String key) {
            return required(settings, key, "source." + name, type + " source");
        }
    }

    public record EvalSet(String name, String type, Map<String, String> settings) {
        public String require(String key) {
            return required(settings, key, "eval." + name, type + " evaluation set");
        }
    }

    /** A setting of a source or evaluation set, or an error naming the full setting and what needs it. */
    private static String required(Map<String, String> settings, String key, String prefix, String neededBy) {
        String v = settings.get(key);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException(prefix + "." + key + " is required for a " + neededBy);
        }
        return v;
    }

    public static CorpusConfig load(Path file) {
        return load(file, Map.of());
    }

    /** The config file with {@code overrides} (setting -> value, e.g. from the command line) put over it. */
    public static CorpusConfig load(Path file, Map<String, String> overrides) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read corpus config " + file + ": " + e.getMessage(), e);
        }
        overrides.forEach(p::setProperty);
        return parse(p);
    }

    /** Relative paths in the settings are read from the working directory, as Spark reads them. */
    static CorpusConfig parse(Properties p) {
        Map<String, Map<String, String>> sources = new LinkedHashMap<>();
        Map<String, Map<String, String>> evals = new LinkedHashMap<>();
        Map<String, Long> targets = new LinkedHashMap<>();
        Set<String> known = Set.of("output", "seed", "image.hash", "phash.max_distance", "dedup.phash.max_distance",
                "text.ngram", "text.leak", "itm.negatives", "tsv.shard_records", "vqgan.model", "vqgan.batch_size",
                "vqgan.threads", "vqgan.device", "audit.sample", "audit.near_misses", "audit.margin");
        for (String key : new TreeSet<>(p.stringPropertyNames())) {
            String value = p.getProperty(key).strip();
            String[] parts = key.split("\\.", 3);
            if (parts[0].equals("source") && parts.length == 3) {
                sources.computeIfAbsent(parts[1], k -> new LinkedHashMap<>()).put(parts[2], value);
            } else if (parts[0].equals("eval") && parts.length == 3) {
                evals.computeIfAbsent(parts[1], k -> new LinkedHashMap<>()).put(parts[2], value);
            } else if (parts[0].equals("target") && parts.length >= 2) {
                // target.TASK (every source) or target.SOURCE.TASK (one source's share)
                String task = parts[parts.length - 1];
                if (!TASKS.contains(task)) {
                    throw new IllegalArgumentException("Unknown task in " + key + ", expected one of " + TASKS);
                }
                targets.put(parts.length == 2 ? task : parts[1] + "." + task, number(key, value));
            } else if (!known.contains(key)) {
                throw new IllegalArgumentException("Unknown corpus setting '" + key + "'; expected one of " + known
                        + ", source.NAME.*, eval.NAME.*, target.TASK, target.SOURCE.TASK");
            }
        }
        List<Source> src = typed(sources, "source", SOURCE_TYPES, Source::new);
        List<EvalSet> ev = typed(evals, "eval", EVAL_TYPES, EvalSet::new);
        if (src.isEmpty()) {
            throw new IllegalArgumentException("The corpus config names no source (source.NAME.type = ...)");
        }
        for (String t : targets.keySet()) {
            if (t.contains(".") && !sources.containsKey(t.substring(0, t.indexOf('.')))) {
                throw new IllegalArgumentException("target." + t + " names no configured source; sources: "
                        + sources.keySet());
            }
        }
        String leak = p.getProperty("text.leak", "drop").strip().toLowerCase(Locale.ROOT);
        if (!leak.equals("drop") && !leak.equals("cut")) {
            throw new IllegalArgumentException("text.leak is '" + leak + "', expected drop or cut");
        }
        ImageHash hash = ImageHash.parse(p.getProperty("image.hash", "pdq"));
        return new CorpusConfig(p.getProperty("output", "build/corpus").strip(),
                number("seed", p.getProperty("seed", "0")), hash,
                distance("phash.max_distance", p.getProperty("phash.max_distance",
                        String.valueOf(hash.defaultLeakDistance())), hash),
                distance("dedup.phash.max_distance", p.getProperty("dedup.phash.max_distance",
                        String.valueOf(hash.defaultDedupDistance())), hash),
                (int) number("text.ngram", p.getProperty("text.ngram",
                        String.valueOf(ai.ofa.jobs.corpus.dedup.CorpusDefaults.LEAKAGE_NGRAM))),
                leak.equals("cut"), Boolean.parseBoolean(p.getProperty("itm.negatives", "true").strip()),
                Math.max(1, number("tsv.shard_records", p.getProperty("tsv.shard_records", "100000"))),
                List.copyOf(src), List.copyOf(ev), Map.copyOf(targets), vqgan(p),
                new Audit((int) number("audit.sample", p.getProperty("audit.sample", "24")),
                        (int) number("audit.near_misses", p.getProperty("audit.near_misses", "48")),
                        (int) number("audit.margin", p.getProperty("audit.margin",
                                String.valueOf(Audit.defaultMargin(hash))))));
    }

    /** The {@code vqgan.*} settings; the other three without {@code vqgan.model} are an error (they would do nothing). */
    private static java.util.Optional<Vqgan> vqgan(Properties p) {
        String model = p.getProperty("vqgan.model", "").strip();
        if (model.isEmpty()) {
            for (String k : List.of("vqgan.batch_size", "vqgan.threads", "vqgan.device")) {
                if (p.getProperty(k) != null) {
                    throw new IllegalArgumentException(k + " is set but vqgan.model is not (the VQGAN package that "
                            + "computes image-infilling codes, made by ./ofa convert-vqgan)");
                }
            }
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new Vqgan(model,
                (int) number("vqgan.batch_size", p.getProperty("vqgan.batch_size",
                        String.valueOf(Vqgan.DEFAULT_BATCH_SIZE))),
                (int) number("vqgan.threads", p.getProperty("vqgan.threads", "1")),
                p.getProperty("vqgan.device", "cpu").strip().toLowerCase(Locale.ROOT)));
    }

    private interface Typed<T> {
        T make(String name, String type, Map<String, String> settings);
    }

    /** Each named group of settings as a source or evaluation set, its {@code type} checked against those known. */
    private static <T> List<T> typed(Map<String, Map<String, String>> groups, String prefix, Set<String> types,
                                     Typed<T> make) {
        List<T> out = new ArrayList<>();
        groups.forEach((name, s) -> {
            String type = s.getOrDefault("type", "");
            if (!types.contains(type)) {
                throw new IllegalArgumentException(prefix + "." + name + ".type is '" + type + "', expected one of "
                        + new TreeSet<>(types));
            }
            out.add(make.make(name, type, Map.copyOf(s)));
        });
        return out;
    }

    /**
     * A Hamming threshold in [0, half the hash's bits], or {@code off} (-1): no perceptual-hash rule, ids and
     * content hashes only.
     */
    private static int distance(String key, String value, ImageHash hash) {
        if (value.strip().equalsIgnoreCase("off")) {
            return -1;
        }
        long n = number(key, value);
        if (n > hash.bits() / 2) {
            throw new IllegalArgumentException(key + " must be in [0, " + hash.bits() / 2 + "] bits of "
                    + hash.configName() + " or off, got " + value + " (image.hash sets the hash)");
        }
        return (int) n;
    }

    private static long number(String key, String value) {
        try {
            long n = Long.parseLong(value.strip().replace("_", ""));
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + " must be a non-negative integer, got '" + value + "'");
    }
}
