package ai.ofa.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A model package as the converter writes it: {@code ofa-model.json}, three ONNX graphs, {@code vocab.json},
 * {@code merges.txt}. Reading it checks every field and file the runtime will need, so an incomplete package is
 * refused here with the name of what is wrong, not later in the middle of a job.
 *
 * <pre>{@code
 * ModelPackage pkg = ModelPackage.open(Path.of("models/ofa-tiny-random"));   // or a .zip of such a folder
 * int s = pkg.image().resolutionFor("caption");
 * }</pre>
 */
public final class ModelPackage {
    public static final String MANIFEST = "ofa-model.json";
    public static final int FORMAT_VERSION = 2;
    public static final List<String> GRAPHS = List.of("encoder", "cross_kv", "decoder");
    /** The text-only encoder of text-to-image. */
    public static final String TEXT_ENCODER = "text_encoder";
    /** The decoder that writes image codes (text-to-image, image infilling). */
    public static final String CODE_DECODER = "code_decoder";
    /** Graphs of the image-code tasks; packages converted before they existed lack them. */
    public static final List<String> OPTIONAL_GRAPHS = List.of(TEXT_ENCODER, CODE_DECODER);
    /** The folder of a VQGAN package inside an OFA package, when the manifest names one. */
    public static final String VQGAN_FIELD = "vqgan";

    private final Path root;
    private final String name;
    private final String dtype;
    private final ModelConfig config;
    private final SpecialIds specialIds;
    private final VocabularyLayout vocabulary;
    private final ImageSettings image;
    private final Map<String, GraphSpec> graphs;
    private final String vqganFolder;
    private volatile String sha256;

    private ModelPackage(Path root, JsonNode m) {
        this.root = root;
        int version = intField(m, "format_version");
        if (version != FORMAT_VERSION) {
            throw fail("format_version " + version + " is not supported, expected " + FORMAT_VERSION
                    + " (convert the checkpoint again with this version's ./ofa convert)");
        }
        this.name = textField(m, "name");
        this.dtype = textField(m, "dtype");
        if (!dtype.equals("fp32") && !dtype.equals("fp16")) {
            throw fail("dtype '" + dtype + "' is not one of [fp32, fp16]");
        }
        JsonNode c = object(m, "model_config");
        this.config = new ModelConfig(intField(c, "d_model"), intField(c, "encoder_layers"),
                intField(c, "decoder_layers"), intField(c, "decoder_attention_heads"), intField(c, "head_dim"),
                intField(c, "vocab_size"), intField(c, "max_positions"), intField(c, "image_bucket_size"),
                intField(c, "patch_stride"), c.path("parameters").asLong(0));
        JsonNode s = object(m, "special_ids");
        this.specialIds = new SpecialIds(intField(s, "bos"), intField(s, "pad"), intField(s, "eos"),
                intField(s, "unk"), s.path("mask").asInt(-1));
        JsonNode v = object(m, "vocabulary");
        this.vocabulary = new VocabularyLayout(textField(v, "vocab_file"), textField(v, "merges_file"),
                intField(v, "text_size"), intField(v, "code_first_id"), intField(v, "num_codes"),
                intField(v, "bin_first_id"), intField(v, "num_bins"));
        if (vocabulary.binFirstId() + vocabulary.numBins() > config.vocabSize()
                || vocabulary.codeFirstId() + vocabulary.numCodes() > config.vocabSize()) {
            throw fail("vocabulary ranges exceed model_config.vocab_size " + config.vocabSize());
        }
        JsonNode img = object(m, "image");
        Map<String, Integer> res = new LinkedHashMap<>();
        object(img, "resolution").properties().forEach(e -> res.put(e.getKey(), e.getValue().asInt()));
        res.forEach((task, r) -> {
            if (r <= 0 || r % config.patchStride() != 0 || r > config.maxResolution()) {
                throw fail("image.resolution." + task + " = " + r + " must be a positive multiple of "
                        + config.patchStride() + " up to " + config.maxResolution());
            }
        });
        this.image = new ImageSettings(res, floats(img, "mean", 3), floats(img, "std", 3),
                intField(img, "max_image_size"));
        JsonNode g = object(m, "graphs");
        Map<String, GraphSpec> specs = new LinkedHashMap<>();
        for (String graph : GRAPHS) {
            specs.put(graph, graphSpec(graph, object(g, graph)));
        }
        for (String graph : OPTIONAL_GRAPHS) {
            if (g.has(graph)) {
                specs.put(graph, graphSpec(graph, object(g, graph)));
            }
        }
        this.graphs = Map.copyOf(specs);
        if (m.has(VQGAN_FIELD)) {
            String folder = textField(object(m, VQGAN_FIELD), "folder");
            Path dir = root.resolve(folder).normalize();
            if (!dir.startsWith(root.normalize()) || !Files.isRegularFile(dir.resolve(VqganPackage.MANIFEST))) {
                throw fail("vqgan.folder '" + folder + "' names no VQGAN package inside the package (expected "
                        + folder + "/" + VqganPackage.MANIFEST + ")");
            }
            this.vqganFolder = folder;
        } else {
            this.vqganFolder = null;
        }
        for (String file : requiredFiles()) {
            if (!Files.isRegularFile(root.resolve(file))) {
                throw fail("missing file " + file + " (the manifest names it)");
            }
        }
        for (GraphSpec spec : graphs.values()) {
            if (spec.externalData().isPresent()) {
                GraphSpec.ExternalData data = spec.externalData().get();
                long size;
                try {
                    size = Files.size(root.resolve(data.file()));
                } catch (IOException e) {
                    throw new ModelPackageException("Cannot read " + root.resolve(data.file()) + ": " + e.getMessage(),
                            e);
                }
                if (size != data.bytes()) {
                    throw fail(data.file() + " has " + size + " bytes, the manifest says " + data.bytes()
                            + ": the package is incomplete or damaged (copy it again, or convert again)");
                }
            }
        }
    }

    private static GraphSpec graphSpec(String graph, JsonNode node) {
        java.util.Optional<GraphSpec.ExternalData> data = java.util.Optional.empty();
        if (node.has("external_data")) {
            JsonNode e = object(node, "external_data");
            JsonNode bytes = e.get("bytes");
            if (bytes == null || !bytes.canConvertToLong() || bytes.asLong() < 0) {
                throw fail("graphs." + graph + ".external_data.bytes is missing or not a size (found " + bytes + ")");
            }
            String sha = textField(e, "sha256");
            if (!sha.matches("[0-9a-f]{64}")) {
                throw fail("graphs." + graph + ".external_data.sha256 '" + sha + "' is not a SHA-256 in hex");
            }
            data = java.util.Optional.of(new GraphSpec.ExternalData(textField(e, "file"), bytes.asLong(), sha));
        }
        return new GraphSpec(textField(node, "file"), strings(node, "inputs"), strings(node, "outputs"), data);
    }

    /** Opens a package folder, or a zip of one (unpacked into a private temporary folder). */
    public static ModelPackage open(Path path) {
        if (Files.isDirectory(path)) {
            return openDirectory(path);
        }
        if (Files.isRegularFile(path) && path.getFileName().toString().toLowerCase().endsWith(".zip")) {
            return openDirectory(unzip(path));
        }
        if (!Files.exists(path)) {
            throw new ModelPackageException("Model package not found: " + path);
        }
        throw new ModelPackageException("Model package " + path + " is neither a folder nor a .zip file");
    }

    private static ModelPackage openDirectory(Path dir) {
        Path manifest = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            throw new ModelPackageException("Not a model package: " + dir + " has no " + MANIFEST);
        }
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(manifest.toFile());
        } catch (IOException e) {
            throw new ModelPackageException("Corrupt manifest " + manifest + ": " + e.getMessage(), e);
        }
        if (json == null || !json.isObject()) {
            throw new ModelPackageException("Corrupt manifest " + manifest + ": not a JSON object");
        }
        try {
            return new ModelPackage(dir, json);
        } catch (ModelPackageException e) {
            throw new ModelPackageException("Invalid model package " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Unzips into a fresh temp folder; entries that would land outside it (zip slip) are refused. */
    static Path unzip(Path zip) {
        return unzip(zip, MANIFEST);
    }

    /** As {@link #unzip(Path)}, for a package whose manifest is {@code manifest}. */
    static Path unzip(Path zip, String manifest) {
        try {
            Path target = Files.createTempDirectory("ofa-package-");
            target.toFile().deleteOnExit();
            try (InputStream in = Files.newInputStream(zip); ZipInputStream zin = new ZipInputStream(in)) {
                ZipEntry entry;
                while ((entry = zin.getNextEntry()) != null) {
                    Path out = target.resolve(entry.getName()).normalize();
                    if (!out.startsWith(target)) {
                        throw new ModelPackageException("Refusing zip entry '" + entry.getName() + "' of " + zip
                                + ": it would be written outside the extraction folder");
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(out);
                    } else {
                        Files.createDirectories(out.getParent());
                        Files.copy(zin, out, StandardCopyOption.REPLACE_EXISTING);
                        out.toFile().deleteOnExit();
                    }
                }
            }
            if (Files.isRegularFile(target.resolve(manifest))) {
                return target;
            }
            try (var children = Files.list(target)) {   // a zip of the folder itself: one top-level directory
                List<Path> dirs = children.filter(Files::isDirectory).toList();
                if (dirs.size() == 1 && Files.isRegularFile(dirs.get(0).resolve(manifest))) {
                    return dirs.get(0);
                }
            }
            throw new ModelPackageException("Zip " + zip + " holds no " + manifest + " at its top level");
        } catch (IOException e) {
            throw new ModelPackageException("Cannot unzip model package " + zip + ": " + e.getMessage(), e);
        }
    }

    public List<String> requiredFiles() {
        List<String> files = new ArrayList<>();
        graphs.values().forEach(g -> {
            files.add(g.file());
            g.externalData().ifPresent(d -> files.add(d.file()));
        });
        files.add(vocabulary.vocabFile());
        files.add(vocabulary.mergesFile());
        return files;
    }

    public Path root() {
        return root;
    }

    public String name() {
        return name;
    }

    public String dtype() {
        return dtype;
    }

    public ModelConfig config() {
        return config;
    }

    public SpecialIds specialIds() {
        return specialIds;
    }

    public VocabularyLayout vocabulary() {
        return vocabulary;
    }

    public ImageSettings image() {
        return image;
    }

    public GraphSpec graph(String graph) {
        GraphSpec spec = graphs.get(graph);
        if (spec == null) {
            throw new IllegalArgumentException("Unknown graph '" + graph + "' of package " + name
                    + ", it has " + new java.util.TreeSet<>(graphs.keySet()));
        }
        return spec;
    }

    public boolean hasGraph(String graph) {
        return graphs.containsKey(graph);
    }

    /** Whether the package has the graphs of text-to-image and image infilling. */
    public boolean writesImageCodes() {
        return graphs.keySet().containsAll(OPTIONAL_GRAPHS);
    }

    /** Refuses a package converted before the image-code graphs existed, saying how to get them. */
    public void requireImageCodeGraphs() {
        if (!writesImageCodes()) {
            throw new ModelPackageException("Model package " + name() + " (" + root + ") has no image-code graphs "
                    + OPTIONAL_GRAPHS + ", which text-to-image and image infilling need: convert its checkpoint "
                    + "again with this version's ./ofa convert");
        }
    }

    /** The VQGAN package the converter put inside this package ({@code ./ofa convert --vqgan}), if any. */
    public java.util.Optional<Path> vqganPackage() {
        return vqganFolder == null ? java.util.Optional.empty() : java.util.Optional.of(root.resolve(vqganFolder));
    }

    public Path file(String relative) {
        return root.resolve(relative);
    }

    /** SHA-256 over the manifest and every file it names (name and content), for provenance columns. */
    public String sha256() {
        String h = sha256;
        if (h == null) {
            try {
                MessageDigest all = MessageDigest.getInstance("SHA-256");
                List<String> files = new ArrayList<>(requiredFiles());
                files.add(MANIFEST);
                files.sort(String::compareTo);
                byte[] buf = new byte[1 << 16];
                Map<String, String> promised = new java.util.HashMap<>();
                graphs.values().forEach(g -> g.externalData().ifPresent(d -> promised.put(d.file(), d.sha256())));
                for (String f : files) {
                    all.update(f.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    // an external-data file is also checked against its own checksum, in the same read
                    MessageDigest own = promised.containsKey(f) ? MessageDigest.getInstance("SHA-256") : null;
                    try (InputStream in = Files.newInputStream(root.resolve(f))) {
                        int n;
                        while ((n = in.read(buf)) > 0) {
                            all.update(buf, 0, n);
                            if (own != null) {
                                own.update(buf, 0, n);
                            }
                        }
                    }
                    if (own != null && !HexFormat.of().formatHex(own.digest()).equals(promised.get(f))) {
                        throw fail(f + " does not match the SHA-256 the manifest lists for it: the package is "
                                + "damaged (copy it again, or convert again)");
                    }
                }
                h = HexFormat.of().formatHex(all.digest());
                sha256 = h;
            } catch (IOException | NoSuchAlgorithmException e) {
                throw new ModelPackageException("Cannot hash model package " + root + ": " + e.getMessage(), e);
            }
        }
        return h;
    }

    private static ModelPackageException fail(String message) {
        return new ModelPackageException(message);
    }

    private static JsonNode object(JsonNode parent, String field) {
        JsonNode n = parent.get(field);
        if (n == null || !n.isObject()) {
            throw fail("field '" + field + "' is missing or not an object");
        }
        return n;
    }

    private static int intField(JsonNode parent, String field) {
        JsonNode n = parent.get(field);
        if (n == null || !n.canConvertToInt() || !n.isIntegralNumber()) {
            throw fail("field '" + field + "' is missing or not an integer (found " + n + ")");
        }
        return n.asInt();
    }

    private static String textField(JsonNode parent, String field) {
        JsonNode n = parent.get(field);
        if (n == null || !n.isTextual() || n.asText().isEmpty()) {
            throw fail("field '" + field + "' is missing or not a non-empty string (found " + n + ")");
        }
        return n.asText();
    }

    private static List<String> strings(JsonNode parent, String field) {
        JsonNode n = parent.get(field);
        if (n == null || !n.isArray() || n.isEmpty()) {
            throw fail("field '" + field + "' is missing or not a non-empty list of names");
        }
        List<String> out = new ArrayList<>();
        n.forEach(x -> out.add(x.asText()));
        return out;
    }

    private static float[] floats(JsonNode parent, String field, int size) {
        JsonNode n = parent.get(field);
        if (n == null || !n.isArray() || n.size() != size) {
            throw fail("field '" + field + "' must be a list of " + size + " numbers (found " + n + ")");
        }
        float[] out = new float[size];
        for (int i = 0; i < size; i++) {
            out[i] = (float) n.get(i).asDouble();
        }
        return out;
    }

    @Override
    public String toString() {
        return "ModelPackage[" + name + ", " + dtype + ", " + root + "]";
    }
}
