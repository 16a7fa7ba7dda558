package ai.ofa.model;

import ai.ofa.image.CodeGrid;
import ai.ofa.image.ImagePreprocessor;
import ai.ofa.image.RgbImage;
import ai.ofa.image.VqganPixels;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loaded VQGAN package (OFA's image tokenizer) on one device: images to codes and codes to images. Thread-safe;
 * {@link #shared} keeps one per package and settings in a JVM (one per Spark executor).
 *
 * <pre>{@code
 * try (VqganModel vq = VqganModel.load(Path.of("packages/vqgan"), SessionSettings.DEFAULT)) {
 *     CodeGrid codes = vq.encode(List.of(image)).get(0).grid();    // 32 x 32 codes of a 256 px image
 *     RgbImage back = vq.decodeToImages(List.of(codes)).get(0);
 * }
 * }</pre>
 */
public final class VqganModel implements AutoCloseable {
    private static final Map<String, VqganModel> SHARED = new ConcurrentHashMap<>();

    private final VqganPackage pkg;
    private final OnnxBackend backend;
    private final boolean shared;

    /** The codes of one image and, per code, the top-1/top-2 logit margin (tiny: another code was nearly as good). */
    public record Encoded(CodeGrid grid, float[] margins) {
    }

    private VqganModel(VqganPackage pkg, SessionSettings settings, boolean shared) {
        this.pkg = pkg;
        this.backend = OnnxBackend.open(pkg, settings);
        this.shared = shared;
    }

    public static VqganModel load(Path packagePath, SessionSettings settings) {
        return new VqganModel(VqganPackage.open(packagePath), settings, false);
    }

    /** One model per (package path, settings) in this JVM, loaded on first use; close() on it is a no-op. */
    public static VqganModel shared(Path packagePath, SessionSettings settings) {
        String key = packagePath.toAbsolutePath().normalize() + "|" + settings;
        return SHARED.computeIfAbsent(key, k -> new VqganModel(VqganPackage.open(packagePath), settings, true));
    }

    public VqganPackage vqganPackage() {
        return pkg;
    }

    /**
     * Codes of decoded images, each resized to the package's image size (Pillow BICUBIC) and scaled to [-1, 1], as
     * the reference prepares them: 32 x 32 codes at 256 px.
     */
    public List<Encoded> encode(List<RgbImage> images) {
        int s = pkg.imageSize();
        float[] pixels = new float[images.size() * 3 * s * s];
        for (int b = 0; b < images.size(); b++) {
            VqganPixels.toSignedUnit(ImagePreprocessor.resize(images.get(b), s), s, s, pixels, b * 3 * s * s);
        }
        return encodePixels(new Floats(pixels, new long[]{images.size(), 3, s, s}));
    }

    /**
     * Codes of images already prepared: pixels [B, 3, H, W] in [-1, 1], H and W multiples of the downsample factor
     * (a 128 x 128 crop gives 16 x 16 codes).
     */
    public List<Encoded> encodePixels(Floats pixels) {
        long[] shape = pixels.shape();
        int f = pkg.downsampleFactor();
        if (shape.length != 4 || shape[0] < 1 || shape[1] != 3 || shape[2] % f != 0 || shape[3] % f != 0
                || shape[2] == 0 || shape[3] == 0) {
            throw new IllegalArgumentException("VQGAN input must be [B, 3, H, W] with H and W positive multiples of "
                    + f + ", got " + pixels);
        }
        Map<String, Object> out = backend.run("encoder", Map.of("images", pixels));
        Longs codes = (Longs) out.get("codes");
        Floats margins = (Floats) out.get("code_margin");
        int rows = (int) codes.shape()[1];
        int cols = (int) codes.shape()[2];
        int per = rows * cols;
        List<Encoded> result = new ArrayList<>();
        for (int b = 0; b < shape[0]; b++) {
            int[] grid = new int[per];
            for (int i = 0; i < per; i++) {
                grid[i] = (int) codes.data()[b * per + i];
            }
            result.add(new Encoded(new CodeGrid(grid, rows, cols),
                    java.util.Arrays.copyOfRange(margins.data(), b * per, (b + 1) * per)));
        }
        return result;
    }

    /** Decoded pixels [B, 3, rows*f, cols*f] (about [-1, 1]) of grids of one shape; codes are checked first. */
    public Floats decode(List<CodeGrid> grids) {
        if (grids.isEmpty()) {
            throw new IllegalArgumentException("decode needs at least one code grid");
        }
        CodeGrid first = grids.get(0);
        long[] flat = new long[grids.size() * first.size()];
        for (int b = 0; b < grids.size(); b++) {
            CodeGrid g = grids.get(b);
            if (g.rows() != first.rows() || g.cols() != first.cols()) {
                throw new IllegalArgumentException("Code grids of one decode call must share a shape: item 0 is "
                        + first.rows() + " x " + first.cols() + ", item " + b + " is " + g.rows() + " x " + g.cols());
            }
            int[] codes = g.codes();
            for (int i = 0; i < codes.length; i++) {
                if (codes[i] < 0 || codes[i] >= pkg.numCodes()) {
                    throw new IllegalArgumentException("Item " + b + ": code " + (i + 1) + " is " + codes[i]
                            + ", outside the codebook [0, " + pkg.numCodes() + ") of " + pkg.name());
                }
                flat[b * codes.length + i] = codes[i];
            }
        }
        Map<String, Object> out = backend.run("decoder", Map.of("codes",
                new Longs(flat, new long[]{grids.size(), first.rows(), first.cols()})));
        return (Floats) out.get("pixels");
    }

    /** As {@link #decode}, then OFA's custom_to_pil (clamp, scale, truncate) to 8-bit RGB images. */
    public List<RgbImage> decodeToImages(List<CodeGrid> grids) {
        Floats pixels = decode(grids);
        int h = (int) pixels.dim(2);
        int w = (int) pixels.dim(3);
        List<RgbImage> out = new ArrayList<>();
        for (int b = 0; b < grids.size(); b++) {
            out.add(VqganPixels.toImage(pixels.data(), b * 3 * h * w, w, h));
        }
        return out;
    }

    /** Provenance for outputs: the VQGAN package's name and SHA-256. */
    public Map<String, String> provenance() {
        return Map.of("vqgan_name", pkg.name(), "vqgan_sha256", pkg.sha256());
    }

    /** Closes the sessions (no-op for {@link #shared} instances); idempotent. */
    @Override
    public void close() {
        if (!shared) {
            backend.close();
        }
    }

    @Override
    public String toString() {
        return "VqganModel[" + pkg.name() + " on " + backend.settings().device() + "]";
    }
}
