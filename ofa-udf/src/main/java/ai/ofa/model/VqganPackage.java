package ai.ofa.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A VQGAN package as {@code ./ofa convert-vqgan} writes it: {@code vqgan-model.json} and two ONNX graphs, the
 * encoder (images in [-1, 1] to codes) and the decoder (codes to pixels). Opening it checks every field and file the
 * runtime needs, so a malformed package is refused here with the name of what is wrong.
 *
 * <pre>{@code
 * VqganPackage vq = VqganPackage.open(Path.of("packages/vqgan"));   // or a .zip of such a folder
 * int side = vq.codeGrid();                                         // 32 codes per side at 256 px
 * }</pre>
 */
public final class VqganPackage {
    public static final String MANIFEST = "vqgan-model.json";
    public static final int FORMAT_VERSION = 1;
    public static final List<String> GRAPHS = List.of("encoder", "decoder");
    private static final Map<String, List<String>> INPUTS = Map.of("encoder", List.of("images"),
            "decoder", List.of("codes"));
    private static final Map<String, List<String>> OUTPUTS = Map.of("encoder", List.of("codes", "code_margin"),
            "decoder", List.of("pixels"));

    private final Path root;
    private final String name;
    private final String dtype;
    private final int numCodes;
    private final int imageSize;
    private final int downsampleFactor;
    private final Map<String, GraphSpec> graphs;
    private volatile String sha256;

    private VqganPackage(Path root, JsonNode m) {
        this.root = root;
        int version = intField(m, "format_version");
        if (version != FORMAT_VERSION) {
            throw fail("format_version " + version + " is not supported, expected " + FORMAT_VERSION
                    + " (convert the checkpoint again with this version's ./ofa convert-vqgan)");
        }
        JsonNode kind = m.get("kind");
        if (kind == null || !"vqgan".equals(kind.asText())) {
            throw fail("field 'kind' is " + kind + ", expected \"vqgan\"");
        }
        this.name = textField(m, "name");
        this.dtype = textField(m, "dtype");
        if (!dtype.equals("fp32") && !dtype.equals("fp16")) {
            throw fail("dtype '" + dtype + "' is not one of [fp32, fp16]");
        }
        this.numCodes = positive(m, "num_codes");
        this.imageSize = positive(m, "image_size");
        this.downsampleFactor = positive(m, "downsample_factor");
        if (imageSize % downsampleFactor != 0) {
            throw fail("image_size " + imageSize + " is not a multiple of downsample_factor " + downsampleFactor);
        }
        if (intField(m, "code_grid") != imageSize / downsampleFactor) {
            throw fail("code_grid " + intField(m, "code_grid") + " is not image_size / downsample_factor = "
                    + imageSize / downsampleFactor);
        }
        JsonNode g = m.get("graphs");
        if (g == null || !g.isObject()) {
            throw fail("field 'graphs' is missing or not an object");
        }
        Map<String, GraphSpec> specs = new LinkedHashMap<>();
        for (String graph : GRAPHS) {
            JsonNode node = g.get(graph);
            if (node == null || !node.isObject()) {
                throw fail("graphs." + graph + " is missing or not an object");
            }
            GraphSpec spec = new GraphSpec(textField(node, "file"), strings(node, "inputs"), strings(node, "outputs"));
            if (!spec.inputs().equals(INPUTS.get(graph)) || !spec.outputs().equals(OUTPUTS.get(graph))) {
                throw fail("graphs." + graph + " has inputs " + spec.inputs() + " and outputs " + spec.outputs()
                        + ", expected " + INPUTS.get(graph) + " and " + OUTPUTS.get(graph));
            }
            if (!Files.isRegularFile(root.resolve(spec.file()))) {
                throw fail("missing file " + spec.file() + " (the manifest names it)");
            }
            specs.put(graph, spec);
        }
        this.graphs = Map.copyOf(specs);
    }

    /** Opens a package folder, or a zip of one (unpacked into a private temporary folder). */
    public static VqganPackage open(Path path) {
        if (Files.isDirectory(path)) {
            return openDirectory(path);
        }
        if (Files.isRegularFile(path) && path.getFileName().toString().toLowerCase().endsWith(".zip")) {
            return openDirectory(ModelPackage.unzip(path, MANIFEST));
        }
        if (!Files.exists(path)) {
            throw new ModelPackageException("VQGAN package not found: " + path
                    + " (make one with ./ofa convert-vqgan --checkpoint DIR --output PKG)");
        }
        throw new ModelPackageException("VQGAN package " + path + " is neither a folder nor a .zip file");
    }

    private static VqganPackage openDirectory(Path dir) {
        Path manifest = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            throw new ModelPackageException("Not a VQGAN package: " + dir + " has no " + MANIFEST
                    + (Files.isRegularFile(dir.resolve(ModelPackage.MANIFEST)) ? " (it is an OFA model package)" : ""));
        }
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(manifest.toFile());
        } catch (IOException e) {
            throw new ModelPackageException("Corrupt VQGAN manifest " + manifest + ": " + e.getMessage(), e);
        }
        if (json == null || !json.isObject()) {
            throw new ModelPackageException("Corrupt VQGAN manifest " + manifest + ": not a JSON object");
        }
        try {
            return new VqganPackage(dir, json);
        } catch (ModelPackageException e) {
            throw new ModelPackageException("Invalid VQGAN package " + dir + ": " + e.getMessage(), e);
        }
    }

    public Path root() {
        return root;
    }

    public String name() {
        return name;
    }

    /** fp32, or fp16: graphs that compute in half precision behind the same fp32 inputs and outputs. */
    public String dtype() {
        return dtype;
    }

    /** Codebook size: codes are 0 .. numCodes - 1. */
    public int numCodes() {
        return numCodes;
    }

    /** The side in pixels of the images the model was trained on (256). */
    public int imageSize() {
        return imageSize;
    }

    /** Pixels per code along each side (8). */
    public int downsampleFactor() {
        return downsampleFactor;
    }

    /** Codes per side of an {@link #imageSize()} image (32). */
    public int codeGrid() {
        return imageSize / downsampleFactor;
    }

    public GraphSpec graph(String graph) {
        GraphSpec spec = graphs.get(graph);
        if (spec == null) {
            throw new IllegalArgumentException("Unknown VQGAN graph '" + graph + "', expected one of " + GRAPHS);
        }
        return spec;
    }

    /** SHA-256 over the manifest and both graphs (name and content), for provenance columns. */
    public String sha256() {
        String h = sha256;
        if (h == null) {
            try {
                MessageDigest all = MessageDigest.getInstance("SHA-256");
                List<String> files = new ArrayList<>();
                graphs.values().forEach(g -> files.add(g.file()));
                files.add(MANIFEST);
                files.sort(String::compareTo);
                byte[] buf = new byte[1 << 16];
                for (String f : files) {
                    all.update(f.getBytes(StandardCharsets.UTF_8));
                    try (InputStream in = Files.newInputStream(root.resolve(f))) {
                        int n;
                        while ((n = in.read(buf)) > 0) {
                            all.update(buf, 0, n);
                        }
                    }
                }
                h = HexFormat.of().formatHex(all.digest());
                sha256 = h;
            } catch (IOException | NoSuchAlgorithmException e) {
                throw new ModelPackageException("Cannot hash VQGAN package " + root + ": " + e.getMessage(), e);
            }
        }
        return h;
    }

    private static ModelPackageException fail(String message) {
        return new ModelPackageException(message);
    }

    private static int intField(JsonNode parent, String field) {
        JsonNode n = parent.get(field);
        if (n == null || !n.isIntegralNumber() || !n.canConvertToInt()) {
            throw fail("field '" + field + "' is missing or not an integer (found " + n + ")");
        }
        return n.asInt();
    }

    private static int positive(JsonNode parent, String field) {
        int v = intField(parent, field);
        if (v <= 0) {
            throw fail("field '" + field + "' must be positive (found " + v + ")");
        }
        return v;
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

    @Override
    public String toString() {
        return "VqganPackage[" + name + ", " + root + "]";
    }
}
