package ai.ofa.model;

import ai.ofa.generate.BeamSearch;
import ai.ofa.generate.CodeSampler;
import ai.ofa.generate.Constraint;
import ai.ofa.generate.Hypothesis;
import ai.ofa.generate.SamplingSettings;
import ai.ofa.generate.SearchSettings;
import ai.ofa.image.ImageDecoder;
import ai.ofa.image.ImagePreprocessor;
import ai.ofa.image.RgbImage;
import ai.ofa.text.BpeTokenizer;
import ai.ofa.text.TokenLayout;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * A loaded OFA model package: tokenizer, image preprocessing and the ONNX graphs on one device. Thread-safe; one
 * instance serves every thread of a JVM ({@link #shared} keeps one per package and device). The task classes in
 * {@code ai.ofa.task} build prompts and parse outputs on top of the three primitives here: {@link #encode},
 * {@link #generate} and {@link #teacherForce}.
 *
 * <pre>{@code
 * try (OfaModel model = OfaModel.load(Path.of("models/ofa-tiny-random"), SessionSettings.DEFAULT)) {
 *     List<Outcome<OfaResult>> captions = new Captioning(model).run(List.of(jpegBytes));
 * }
 * }</pre>
 */
public final class OfaModel implements AutoCloseable {
    private static final Map<String, OfaModel> SHARED = new ConcurrentHashMap<>();

    private final ModelPackage pkg;
    private final OnnxBackend backend;
    private final BpeTokenizer tokenizer;
    private final ImageDecoder decoder;
    private final boolean shared;
    private ExecutorService workers;   // per-item preprocessing when intra-op threads > 1; made on first use

    private OfaModel(ModelPackage pkg, SessionSettings settings, boolean shared) {
        this.pkg = pkg;
        VocabularyLayout v = pkg.vocabulary();
        this.tokenizer = BpeTokenizer.load(pkg.file(v.vocabFile()), pkg.file(v.mergesFile()),
                new TokenLayout(pkg.config().vocabSize(), v.codeFirstId(), v.numCodes(), v.binFirstId(), v.numBins()));
        this.backend = OnnxBackend.open(pkg, settings);
        this.decoder = new ImageDecoder();
        this.shared = shared;
    }

    public static OfaModel load(Path packagePath, SessionSettings settings) {
        return new OfaModel(ModelPackage.open(packagePath), settings, false);
    }

    /** One model per (package path, settings) in this JVM, loaded on first use; close() on it is a no-op. */
    public static OfaModel shared(Path packagePath, SessionSettings settings) {
        String key = packagePath.toAbsolutePath().normalize() + "|" + settings;
        return SHARED.computeIfAbsent(key, k -> new OfaModel(ModelPackage.open(packagePath), settings, true));
    }

    public ModelPackage modelPackage() {
        return pkg;
    }

    public BpeTokenizer tokenizer() {
        return tokenizer;
    }

    public OnnxBackend backend() {
        return backend;
    }

    public ImageDecoder imageDecoder() {
        return decoder;
    }

    /**
     * Runs {@code work} for items 0..n-1 on as many threads as the session's intra-op threads (on the calling thread
     * alone when that is 1, as in Spark's one task per core): image decoding and resizing, which would otherwise
     * leave the other cores idle between ONNX Runtime calls. The first failure is rethrown after all items ran.
     */
    public void forEachItem(int n, IntConsumer work) {
        int threads = Math.min(n, backend.settings().intraOpThreads());
        if (threads <= 1) {
            for (int i = 0; i < n; i++) {
                work.accept(i);
            }
            return;
        }
        List<Future<?>> running = new ArrayList<>(n);
        ExecutorService pool = workers();
        for (int i = 0; i < n; i++) {
            int item = i;
            running.add(pool.submit(() -> work.accept(item)));
        }
        RuntimeException first = null;
        for (Future<?> f : running) {
            try {
                f.get();
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof Error err) {
                    throw err;
                }
                if (first == null) {
                    first = cause instanceof RuntimeException re ? re : new IllegalStateException(cause);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while preprocessing a batch", e);
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private synchronized ExecutorService workers() {
        if (workers == null) {
            AtomicInteger count = new AtomicInteger();
            workers = Executors.newFixedThreadPool(backend.settings().intraOpThreads(), r -> {
                Thread t = new Thread(r, "ofa-preprocess-" + count.incrementAndGet());
                t.setDaemon(true);   // shared models live as long as the JVM; their workers must not keep it alive
                return t;
            });
        }
        return workers;
    }

    public BeamSearch.Ids ids() {
        SpecialIds s = pkg.specialIds();
        return new BeamSearch.Ids(s.bos(), s.eos(), s.pad());
    }

    /** Decoded images + framed prompts -> encoder states and cross K/V, all rows resized to {@code size}. */
    public EncodedBatch encode(List<RgbImage> images, List<int[]> prompts, int size) {
        if (images.size() != prompts.size() || images.isEmpty()) {
            throw new IllegalArgumentException("encode needs one prompt per image and at least one image, got "
                    + images.size() + " images and " + prompts.size() + " prompts");
        }
        paddedIds(prompts);   // checks the prompt lengths before any image is resized
        int batch = images.size();
        float[] pixels = new float[batch * 3 * size * size];
        ImageSettings is = pkg.image();
        forEachItem(batch, b -> ImagePreprocessor.normalize(ImagePreprocessor.resize(images.get(b), size), size,
                is.mean(), is.std(), pixels, b * 3 * size * size));
        return runEncoder("encoder", Map.<String, Object>of(
                "patch_images", new Floats(pixels, new long[]{batch, 3, size, size}),
                "input_ids", paddedIds(prompts)), batch);
    }

    /**
     * Already normalised pixels [B, 3, S, S] (image infilling zeroes a region after normalising) + framed prompts
     * -> encoder states and cross K/V.
     */
    public EncodedBatch encodePixels(Floats pixels, List<int[]> prompts) {
        if (pixels.shape().length != 4 || pixels.dim(0) != prompts.size() || prompts.isEmpty()) {
            throw new IllegalArgumentException("encodePixels needs pixels [B, 3, S, S] and B prompts, got "
                    + pixels + " and " + prompts.size() + " prompts");
        }
        return runEncoder("encoder", Map.<String, Object>of("patch_images", pixels, "input_ids", paddedIds(prompts)),
                prompts.size());
    }

    /** Framed prompts alone -> encoder states and cross K/V (text-to-image: the reference encodes no image). */
    public EncodedBatch encodeText(List<int[]> prompts) {
        requireImageCodeGraphs();
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("encodeText needs at least one prompt");
        }
        return runEncoder(ModelPackage.TEXT_ENCODER, Map.<String, Object>of("input_ids", paddedIds(prompts)),
                prompts.size());
    }

    /** Refuses a package converted before the image-code graphs existed, saying how to get them. */
    public void requireImageCodeGraphs() {
        pkg.requireImageCodeGraphs();
    }

    private Longs paddedIds(List<int[]> prompts) {
        int maxLen = 0;
        for (int[] p : prompts) {
            maxLen = Math.max(maxLen, p.length);
        }
        int limit = pkg.config().maxPositions();
        if (maxLen > limit) {
            throw new IllegalArgumentException("Prompt of " + maxLen + " tokens exceeds the model's limit of " + limit
                    + " positions");
        }
        long[] ids = new long[prompts.size() * maxLen];
        java.util.Arrays.fill(ids, pkg.specialIds().pad());
        for (int b = 0; b < prompts.size(); b++) {
            int[] p = prompts.get(b);
            for (int t = 0; t < p.length; t++) {
                ids[b * maxLen + t] = p[t];
            }
        }
        return new Longs(ids, new long[]{prompts.size(), maxLen});
    }

    private EncodedBatch runEncoder(String graph, Map<String, Object> inputs, int batch) {
        try (OnnxBackend.Outputs enc = backend.runNative(graph, inputs)) {
            OnnxBackend.Outputs cross = backend.runNative("cross_kv", Map.of(
                    "encoder_hidden_states", enc.ref("encoder_hidden_states"),
                    "encoder_position_embedding", enc.ref("encoder_position_embedding")));
            OnnxBackend.Native mask = backend.upload(enc.value("encoder_padding_mask"));
            Map<String, OnnxBackend.Native> refs = new HashMap<>();
            for (String name : cross.names()) {
                refs.put(name, cross.ref(name));
            }
            return new EncodedBatch(backend, batch, refs, mask, List.of(cross, mask));
        }
    }

    /**
     * Image codes for every row of the batch, {@code settings.samples()} sequences each, best first: {@code length}
     * codes laid out on a {@code gridWidth} square grid, then eos (see {@link CodeSampler}). Tokens are vocabulary
     * ids; subtract {@link VocabularyLayout#codeFirstId()} for the VQGAN's codes.
     */
    public List<List<Hypothesis>> generateCodes(EncodedBatch encoded, SamplingSettings settings, int gridWidth,
                                                int length, IntConsumer onStep) {
        requireImageCodeGraphs();
        if (gridWidth < 1 || length < 1 || length > gridWidth * gridWidth) {
            throw new IllegalArgumentException("Cannot write " + length + " codes on a " + gridWidth + " x "
                    + gridWidth + " grid");
        }
        int n = settings.samples();
        int[] rows = new int[encoded.size() * n];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = i / n;
        }
        VocabularyLayout v = pkg.vocabulary();
        SpecialIds sp = pkg.specialIds();
        CodeSampler.CodeRange range = CodeSampler.CodeRange.of(v.codeFirstId(), v.numCodes(), sp.eos(),
                referenceUnmaskedSpecials(sp));
        try (KvCacheDecoder decoder = KvCacheDecoder.forCodes(backend, encoded, rows, gridWidth)) {
            return CodeSampler.sample(decoder, encoded.size(), sp.bos(), range, length, settings, onStep);
        }
    }

    /**
     * The special ids the reference leaves in the softmax of a code step: its constraint masks ids 4 .. code range
     * start, so bos, pad, eos and unk (ids 0..3 in OFA's dictionary) stay in the normalisation and are banned after.
     */
    private static int[] referenceUnmaskedSpecials(SpecialIds sp) {
        return java.util.stream.IntStream.of(sp.bos(), sp.pad(), sp.eos(), sp.unk()).distinct().sorted().toArray();
    }

    /** Beam search for every row of the batch; hypotheses best first. */
    public List<List<Hypothesis>> generate(EncodedBatch encoded, SearchSettings settings, Constraint constraint) {
        return generate(encoded, settings, constraint, step -> { });
    }

    /** As {@link #generate(EncodedBatch, SearchSettings, Constraint)}; {@code onStep} hears each decoder step. */
    public List<List<Hypothesis>> generate(EncodedBatch encoded, SearchSettings settings, Constraint constraint,
                                           java.util.function.IntConsumer onStep) {
        int beam = settings.beamSize();
        int[] rows = new int[encoded.size() * beam];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = i / beam;
        }
        try (KvCacheDecoder decoder = new KvCacheDecoder(backend, encoded, rows)) {
            return BeamSearch.search(decoder, encoded.size(), ids(), settings, constraint, onStep);
        }
    }

    /**
     * Teacher-forced full-vocabulary log-probs of target sequences (each ending with eos): row r of the result
     * holds one log-prob per target token. {@code sentenceOfTarget[r]} says which encoded row target r reads, so
     * many candidates can be scored against one encoding; targets come grouped by sentence, the same number for
     * each sentence present.
     */
    public float[][] teacherForce(EncodedBatch encoded, List<int[]> targets, int[] sentenceOfTarget) {
        int n = targets.size();
        int width = 0;
        for (int[] t : targets) {
            width = Math.max(width, t.length);
        }
        if (width + 1 > pkg.config().maxPositions()) {
            throw new IllegalArgumentException("Target of " + width + " tokens exceeds the decoder's limit");
        }
        long[] input = new long[n * width];    // bos + target shifted right: position i predicts target[i]
        long[] wanted = new long[n * width];
        java.util.Arrays.fill(input, pkg.specialIds().pad());
        for (int r = 0; r < n; r++) {
            int[] t = targets.get(r);
            input[r * width] = pkg.specialIds().bos();
            for (int i = 0; i < t.length; i++) {
                wanted[r * width + i] = t[i];
                if (i + 1 < t.length) {
                    input[r * width + i + 1] = t[i];
                }
            }
        }
        float[] lp;
        try (KvCacheDecoder dec = new KvCacheDecoder(backend, encoded, sentenceOfTarget)) {
            lp = dec.targetLogprobs(new Longs(input, new long[]{n, width}), wanted);
        }
        float[][] out = new float[n][];
        for (int r = 0; r < n; r++) {
            out[r] = java.util.Arrays.copyOfRange(lp, r * width, r * width + targets.get(r).length);
        }
        return out;
    }

    /** Provenance for outputs: model name, package SHA-256, ONNX Runtime version. */
    public Map<String, String> provenance() {
        return Map.of("model_name", pkg.name(), "model_sha256", pkg.sha256(),
                "onnxruntime_version", OnnxBackend.onnxRuntimeVersion(), "dtype", pkg.dtype());
    }

    /** Closes the sessions (no-op for {@link #shared} instances, which live as long as the JVM); idempotent. */
    @Override
    public void close() {
        if (!shared) {
            backend.close();
            synchronized (this) {
                if (workers != null) {
                    workers.shutdownNow();
                }
            }
        }
    }

    @Override
    public String toString() {
        return "OfaModel[" + pkg.name() + " on " + backend.settings().device() + "]";
    }
}
