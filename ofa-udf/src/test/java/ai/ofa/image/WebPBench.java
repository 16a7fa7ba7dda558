package ai.ofa.image;

import ai.ofa.image.webp.WebPContainer;
import ai.ofa.testing.Fixtures;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Prints lossy-WebP decode speed (to RGB) of the project's VP8 decoder against TwelveMonkeys' imageio-webp on the same
 * files: the lossy WebPs of the real-file fixture, or the .webp files of the folders/files given. Figures only.
 *
 * <pre>{@code java -cp ... ai.ofa.image.WebPBench [FILE_OR_DIR ...]}</pre>
 */
public final class WebPBench {
    private WebPBench() {
    }

    public static void main(String[] args) throws Exception {
        List<Path> roots = new ArrayList<>();
        for (String a : args) {
            roots.add(Path.of(a));
        }
        if (roots.isEmpty()) {
            roots.add(Fixtures.built("real-images"));
            roots.add(Path.of("/usr/share/backgrounds"));
        }
        List<byte[]> files = new ArrayList<>();
        long pixels = 0;
        for (Path root : roots) {
            if (!Files.exists(root)) {
                continue;
            }
            try (Stream<Path> s = Files.walk(root)) {
                for (Path p : s.filter(f -> f.toString().endsWith(".webp")).sorted().toList()) {
                    byte[] b = Files.readAllBytes(p);
                    try {
                        WebPContainer c = WebPContainer.parse(b);
                        if (c.lossy() && !c.animated() && twelveMonkeys(b) != null) {
                            files.add(b);
                            pixels += (long) c.canvasWidth() * c.canvasHeight();
                        }
                    } catch (RuntimeException e) {
                        // truncated or corrupt copies are not part of a speed figure
                    }
                }
            }
        }
        if (files.isEmpty()) {
            System.out.println("[webp-bench] no lossy WebP files under " + roots);
            return;
        }
        System.out.printf("[webp-bench] %d lossy WebP files, %.1f megapixels in all%n", files.size(), pixels / 1e6);
        ImageDecoder ours = new ImageDecoder();
        for (int round = 0; round < 3; round++) {
            double a = time(files, b -> ours.decode(b));
            double t = time(files, WebPBench::twelveMonkeys);
            System.out.printf("[webp-bench] round %d: project VP8 decoder %.1f images/s (%.1f MP/s); TwelveMonkeys "
                    + "%.1f images/s (%.1f MP/s)%n", round + 1, files.size() / a, pixels / 1e6 / a, files.size() / t,
                    pixels / 1e6 / t);
        }
    }

    private interface Decode {
        Object apply(byte[] b) throws Exception;
    }

    private static double time(List<byte[]> files, Decode d) throws Exception {
        long t0 = System.nanoTime();
        for (byte[] b : files) {
            d.apply(b);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** TwelveMonkeys' WebP reader to the same RGB array; null where it fails. */
    static RgbImage twelveMonkeys(byte[] b) {
        Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName("webp");
        while (it.hasNext()) {
            ImageReader r = it.next();
            if (!r.getClass().getName().contains("twelvemonkeys")) {
                continue;
            }
            try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(b))) {
                r.setInput(in);
                return ImageDecoder.toRgb(r.read(0));
            } catch (Exception e) {
                return null;
            } finally {
                r.dispose();
            }
        }
        return null;
    }
}
