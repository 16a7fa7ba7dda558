package ai.ofa.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The one place that touches ONNX Runtime: owns the sessions of a package's graphs on one device and runs them on
 * plain Java arrays ({@link Floats}, {@link Longs}, {@link Bools}). Sessions are thread-safe; one backend serves
 * every thread of the JVM.
 *
 * <pre>{@code
 * try (OnnxBackend backend = OnnxBackend.open(pkg, SessionSettings.DEFAULT)) {
 *     Map<String, Object> out = backend.run("encoder", Map.of("patch_images", images, "input_ids", ids));
 * }
 * }</pre>
 */
public final class OnnxBackend implements AutoCloseable {
    private static final String SEARCH_HEAD = "search_head.onnx";
    private final ModelPackage pkg;          // null for a VQGAN package
    private final String name;
    private final Path root;
    private final Map<String, GraphSpec> specs;
    private final SessionSettings settings;
    private final OrtEnvironment env;
    private final Map<String, OrtSession> sessions = new LinkedHashMap<>();
    private OrtSession searchHead;
    private volatile boolean closed;

    private OnnxBackend(ModelPackage pkg, String name, Path root, Map<String, GraphSpec> specs,
                        SessionSettings settings) {
        this.pkg = pkg;
        this.name = name;
        this.root = root;
        this.specs = Map.copyOf(specs);
        this.settings = settings;
        this.env = OrtEnvironment.getEnvironment();
    }

    /**
     * Creates and validates the sessions of an OFA package's three graphs and the search head; its image-code
     * graphs ({@link ModelPackage#OPTIONAL_GRAPHS}) open on first use, so a job that never writes codes never
     * loads them. A CUDA device that cannot be used is an error, never a CPU fallback.
     */
    public static OnnxBackend open(ModelPackage pkg, SessionSettings settings) {
        Map<String, GraphSpec> specs = new LinkedHashMap<>();
        for (String graph : ModelPackage.GRAPHS) {
            specs.put(graph, pkg.graph(graph));
        }
        for (String graph : ModelPackage.OPTIONAL_GRAPHS) {
            if (pkg.hasGraph(graph)) {
                specs.put(graph, pkg.graph(graph));
            }
        }
        OnnxBackend backend = new OnnxBackend(pkg, pkg.name(), pkg.root(), specs, settings);
        return backend.start(ModelPackage.GRAPHS, true);
    }

    /** The sessions of a VQGAN package's encoder and decoder (no search head). */
    public static OnnxBackend open(VqganPackage vqgan, SessionSettings settings) {
        Map<String, GraphSpec> specs = new LinkedHashMap<>();
        for (String graph : VqganPackage.GRAPHS) {
            specs.put(graph, vqgan.graph(graph));
        }
        return new OnnxBackend(null, vqgan.name(), vqgan.root(), specs, settings).start(VqganPackage.GRAPHS, false);
    }

    private OnnxBackend start(List<String> eager, boolean withSearchHead) {
        try {
            for (String graph : eager) {
                sessions.put(graph, createSession(graph));
            }
            if (withSearchHead) {
                searchHead = createSearchHead();
            }
            return this;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The session of a graph, opened now if it is one of the package's optional graphs. */
    private OrtSession session(String graph) {
        synchronized (sessions) {
            OrtSession session = sessions.get(graph);
            if (session == null && specs.containsKey(graph)) {
                ensureOpen();
                session = createSession(graph);
                sessions.put(graph, session);
            }
            if (session == null) {
                throw new IllegalArgumentException("Unknown graph '" + graph + "' of " + name + ", expected one of "
                        + specs.keySet());
            }
            return session;
        }
    }

    private OrtSession createSession(String graph) {
        GraphSpec spec = specs.get(graph);
        try (OrtSession.SessionOptions options = options(switch (settings.optimization()) {
            case NONE -> OrtSession.SessionOptions.OptLevel.NO_OPT;
            case BASIC -> OrtSession.SessionOptions.OptLevel.BASIC_OPT;
            case EXTENDED -> OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
            case ALL -> OrtSession.SessionOptions.OptLevel.ALL_OPT;
        })) {
            if (settings.device().kind() == Device.Kind.CUDA) {
                addCuda(options, settings.device().id());
            }
            OrtSession session = env.createSession(root.resolve(spec.file()).toString(), options);
            try {
                checkNames(graph, spec, session);
            } catch (RuntimeException e) {
                session.close();
                throw e;
            }
            return session;
        } catch (OrtException e) {
            throw new ModelPackageException("Cannot load graph " + root.resolve(spec.file()) + ": " + e.getMessage(),
                    e);
        }
    }

    /**
     * The runtime's own search head ({@code search_head.onnx}, made by {@code ofa_export.search_head}): log-softmax,
     * top-k and gathered log-probs of decoder logits. Always on the CPU: ONNX Runtime Java hands the decoder's
     * outputs back in host memory, so that is where the logits are.
     */
    private OrtSession createSearchHead() {
        byte[] graph;
        try (InputStream in = OnnxBackend.class.getResourceAsStream(SEARCH_HEAD)) {
            if (in == null) {
                throw new IllegalStateException("Resource " + SEARCH_HEAD + " is missing from the ofa-udf jar");
            }
            graph = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read resource " + SEARCH_HEAD + ": " + e.getMessage(), e);
        }
        try (OrtSession.SessionOptions options = options(OrtSession.SessionOptions.OptLevel.ALL_OPT)) {
            return env.createSession(graph, options);
        } catch (OrtException e) {
            throw new IllegalStateException("Cannot load the search head " + SEARCH_HEAD + ": " + e.getMessage(), e);
        }
    }

    /** CPU options from the settings (threads, spinning) at the given optimisation level; the caller closes them. */
    private OrtSession.SessionOptions options(OrtSession.SessionOptions.OptLevel level) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setIntraOpNumThreads(settings.intraOpThreads());
            options.setInterOpNumThreads(1);
            options.addConfigEntry("session.intra_op.allow_spinning", settings.spinWait() ? "1" : "0");
            options.setOptimizationLevel(level);
            return options;
        } catch (OrtException | RuntimeException e) {
            options.close();
            throw e;
        }
    }

    private static void addCuda(OrtSession.SessionOptions options, int deviceId) {
        EnumSet<OrtProvider> available = OrtEnvironment.getAvailableProviders();
        if (!available.contains(OrtProvider.CUDA)) {
            throw new IllegalStateException("CUDA device " + deviceId + " requested, but this ONNX Runtime build "
                    + "has no CUDA provider (available: " + available + "). Build with the GPU profile "
                    + "(mvn -Pgpu) and run on a machine with CUDA and cuDNN, or use device=cpu.");
        }
        try {
            options.addCUDA(deviceId);
        } catch (OrtException e) {
            throw new IllegalStateException("CUDA device " + deviceId + " cannot be used: " + e.getMessage()
                    + " (check the driver, CUDA/cuDNN libraries and the device id; no CPU fallback is made)", e);
        }
    }

    private static void checkNames(String graph, GraphSpec spec, OrtSession session) throws OrtException {
        Set<String> inputs = new TreeSet<>(session.getInputNames());
        Set<String> outputs = new TreeSet<>(session.getOutputNames());
        if (!inputs.equals(new TreeSet<>(spec.inputs())) || !outputs.equals(new TreeSet<>(spec.outputs()))) {
            throw new ModelPackageException("Graph '" + graph + "' (" + spec.file() + ") does not match the manifest: "
                    + "graph inputs " + inputs + ", manifest inputs " + new TreeSet<>(spec.inputs())
                    + "; graph outputs " + outputs + ", manifest outputs " + new TreeSet<>(spec.outputs()));
        }
    }

    /** The OFA package of this backend (not available on a VQGAN package's backend). */
    public ModelPackage modelPackage() {
        if (pkg == null) {
            throw new IllegalStateException("Backend of " + name + " runs a VQGAN package, not an OFA package");
        }
        return pkg;
    }

    public SessionSettings settings() {
        return settings;
    }

    /** Providers ONNX Runtime actually has in this process (shows whether CUDA was usable). */
    public static Set<String> availableProviders() {
        Set<String> out = new TreeSet<>();
        OrtEnvironment.getAvailableProviders().forEach(p -> out.add(p.name()));
        return out;
    }

    public static String onnxRuntimeVersion() {
        return OrtEnvironment.getEnvironment().getVersion();
    }

    /**
     * Runs one graph. Inputs are {@link Floats}, {@link Longs} or {@link Bools} by name; every input of the graph
     * must be given, and unknown names are refused. Outputs come back by name in the same types.
     */
    public Map<String, Object> run(String graph, Map<String, ?> inputs) {
        try (Outputs out = runNative(graph, inputs)) {
            Map<String, Object> copy = new LinkedHashMap<>();
            for (String name : out.names()) {
                copy.put(name, out.value(name));
            }
            return copy;
        }
    }

    /**
     * Runs one graph and keeps its outputs native (in ONNX Runtime's memory, on the device) until the returned
     * {@link Outputs} is closed: they can be fed to later runs through {@link Outputs#ref} without a copy.
     * Inputs may be Java arrays or {@link Native} values.
     */
    public Outputs runNative(String graph, Map<String, ?> inputs) {
        ensureOpen();
        OrtSession session = session(graph);
        GraphSpec spec = specs.get(graph);
        for (String name : inputs.keySet()) {
            if (!spec.inputs().contains(name)) {
                throw new IllegalArgumentException("Unknown input name " + name + " for graph '" + graph
                        + "', expected one of " + spec.inputs());
            }
        }
        List<String> missing = new ArrayList<>(spec.inputs());
        missing.removeAll(inputs.keySet());
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("Missing input(s) " + missing + " for graph '" + graph + "'");
        }
        Map<String, OnnxTensor> tensors = new HashMap<>();
        List<OnnxTensor> owned = new ArrayList<>();
        try {
            for (Map.Entry<String, ?> e : inputs.entrySet()) {
                if (e.getValue() instanceof Native n) {
                    tensors.put(e.getKey(), n.tensor());
                } else {
                    OnnxTensor t = toTensor(e.getKey(), e.getValue());
                    owned.add(t);
                    tensors.put(e.getKey(), t);
                }
            }
            return new Outputs(session.run(tensors));
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed running graph '" + graph + "' of " + name
                    + ": " + e.getMessage(), e);
        } finally {
            owned.forEach(OnnxTensor::close);
        }
    }

    /**
     * Runs the search head on native logits [R, T, V]: the {@code k} best log-probs per position with their ids,
     * and the log-probs of {@code gatherIds} [R, T, M]. Outputs {@code top_logprobs}, {@code top_ids},
     * {@code gathered_logprobs}.
     */
    public Outputs runSearchHead(Native logits, int k, Longs gatherIds) {
        ensureOpen();
        long vocab = logits.shape()[logits.shape().length - 1];
        if (k < 1 || k > vocab) {
            throw new IllegalArgumentException("Search head k = " + k + " is out of range [1, " + vocab + "]");
        }
        try (OnnxTensor kTensor = toTensor("k", new Longs(new long[]{k}, new long[]{1}));
             OnnxTensor ids = toTensor("gather_ids", gatherIds)) {
            return new Outputs(searchHead.run(Map.of("logits", logits.tensor(), "k", kTensor, "gather_ids", ids)));
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed running the search head on logits "
                    + java.util.Arrays.toString(logits.shape()) + ": " + e.getMessage(), e);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("OnnxBackend for " + name + " is closed");
        }
    }

    /** Copies a Java array into a native tensor owned by the caller (close it when done). */
    public Native upload(Object value) {
        try {
            return new Native(toTensor("value", value), true);
        } catch (OrtException e) {
            throw new IllegalStateException("Cannot create a tensor: " + e.getMessage(), e);
        }
    }

    /** A tensor held by ONNX Runtime; fed to {@link #runNative} without a copy. close() is safe twice. */
    public static final class Native implements AutoCloseable {
        private final OnnxTensor tensor;
        private final boolean owned;
        private boolean closed;

        private Native(OnnxTensor tensor, boolean owned) {
            this.tensor = tensor;
            this.owned = owned;
        }

        OnnxTensor tensor() {
            if (closed) {
                throw new IllegalStateException("Native tensor used after close");
            }
            return tensor;
        }

        public long[] shape() {
            return tensor.getInfo().getShape();
        }

        /** A Java copy of the values. */
        public Object copy() {
            return fromTensor(tensor());
        }

        @Override
        public void close() {
            if (owned && !closed) {
                tensor.close();
            }
            closed = true;
        }
    }

    /** The outputs of one run, native until closed (the refs it handed out die with it). close() is idempotent. */
    public static final class Outputs implements AutoCloseable {
        private final OrtSession.Result result;
        private final Map<String, Native> refs = new LinkedHashMap<>();
        private boolean closed;

        private Outputs(OrtSession.Result result) {
            this.result = result;
            for (Map.Entry<String, OnnxValue> e : result) {
                refs.put(e.getKey(), new Native((OnnxTensor) e.getValue(), false));
            }
        }

        public Set<String> names() {
            return refs.keySet();
        }

        public Native ref(String name) {
            Native n = refs.get(name);
            if (n == null) {
                throw new IllegalArgumentException("Unknown output " + name + ", expected one of " + refs.keySet());
            }
            return n;
        }

        /** A Java copy of one output ({@link Floats}, {@link Longs} or {@link Bools}). */
        public Object value(String name) {
            return ref(name).copy();
        }

        public Floats floats(String name) {
            return (Floats) value(name);
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                refs.values().forEach(Native::close);
                result.close();
            }
        }
    }

    private OnnxTensor toTensor(String name, Object value) throws OrtException {
        if (value instanceof Floats f) {
            FloatBuffer buf = ByteBuffer.allocateDirect(f.data().length * 4).order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
            buf.put(f.data()).rewind();
            return OnnxTensor.createTensor(env, buf, f.shape());
        }
        if (value instanceof Longs l) {
            LongBuffer buf = ByteBuffer.allocateDirect(l.data().length * 8).order(ByteOrder.nativeOrder())
                    .asLongBuffer();
            buf.put(l.data()).rewind();
            return OnnxTensor.createTensor(env, buf, l.shape());
        }
        if (value instanceof Bools b) {
            ByteBuffer buf = ByteBuffer.allocateDirect(b.data().length).order(ByteOrder.nativeOrder());
            for (boolean x : b.data()) {
                buf.put((byte) (x ? 1 : 0));
            }
            buf.rewind();
            return OnnxTensor.createTensor(env, buf, b.shape(), OnnxJavaType.BOOL);
        }
        throw new IllegalArgumentException("Input " + name + " has unsupported type "
                + (value == null ? "null" : value.getClass().getSimpleName()) + ", expected Floats, Longs or Bools");
    }

    private static Object fromTensor(OnnxTensor t) {
        TensorInfo info = t.getInfo();
        long[] shape = info.getShape();
        switch (info.type) {
            case FLOAT -> {
                FloatBuffer fb = t.getFloatBuffer();
                float[] data = new float[fb.remaining()];
                fb.get(data);
                return new Floats(data, shape);
            }
            case INT64 -> {
                LongBuffer lb = t.getLongBuffer();
                long[] data = new long[lb.remaining()];
                lb.get(data);
                return new Longs(data, shape);
            }
            case BOOL -> {
                ByteBuffer bb = t.getByteBuffer();
                boolean[] data = new boolean[bb.remaining()];
                for (int i = 0; i < data.length; i++) {
                    data[i] = bb.get(i) != 0;
                }
                return new Bools(data, shape);
            }
            default -> throw new IllegalStateException("Unexpected output type " + info.type);
        }
    }

    /** Input metadata of a graph as ONNX Runtime reports it (used by diagnostics and tests). */
    public Map<String, NodeInfo> inputInfo(String graph) {
        try {
            return session(graph).getInputInfo();
        } catch (OrtException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Closes the sessions; safe to call more than once. */
    @Override
    public void close() {
        List<OrtSession> all;
        synchronized (sessions) {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>(sessions.values());
        }
        if (searchHead != null) {
            all.add(searchHead);
        }
        for (OrtSession s : all) {
            try {
                s.close();
            } catch (OrtException e) {
                // closing a session only frees native memory; nothing left to report to the caller
            }
        }
        synchronized (sessions) {
            sessions.clear();
        }
    }
}
