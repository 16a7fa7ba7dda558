package ai.ofa.image.webp;

import ai.ofa.image.ImageDecoder;
import ai.ofa.image.RgbImage;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The VP8 decoder against libwebp itself, pixel for pixel: small cuts of a real photo (the PDQ reference's
 * regression image, testdata/pdq) encoded by {@code cwebp} under settings that each reach another part of the
 * decoder (no loop filter, the simple and the normal filter at every sharpness, one to four segments, the lowest
 * and highest quality, each method, macroblocks cut by the picture's edge), and decoded by {@code dwebp} to PPM
 * (fancy upsampling, as Pillow decodes). Small enough to run under mutation testing; RealImageFilesTest covers the
 * big files and the containers.
 *
 * <p>The encoded files and libwebp's decodings are made once into target/libwebp-reference (named by the hash of
 * the source cut and the settings).
 */
class LibwebpReferenceTest {
    /** x, y, width, height of the cuts: an aligned one, one with partial macroblocks, a 1-pixel-high strip. */
    static final int[][] CUTS = {{640, 360, 64, 48}, {900, 500, 37, 29}, {200, 700, 50, 1}, {100, 100, 96, 80}};

    static final String[][] SETTINGS = {
            {"-q", "75"},
            {"-q", "5", "-m", "0"},
            {"-q", "100", "-m", "6"},
            {"-f", "0", "-q", "40"},
            {"-nostrong", "-f", "60", "-sharpness", "0"},
            {"-nostrong", "-f", "100", "-sharpness", "5"},
            {"-strong", "-f", "100", "-sharpness", "7"},
            {"-strong", "-f", "30", "-sharpness", "2", "-q", "20"},
            {"-segments", "1", "-sns", "0"},
            {"-segments", "2", "-sns", "100", "-m", "2"},
            {"-segments", "3", "-m", "3", "-q", "60"},
            {"-m", "1", "-q", "90", "-f", "20"},
    };

    private static Path cacheDir() throws IOException {
        Path dir = Path.of("target", "libwebp-reference");
        Files.createDirectories(dir);
        return dir;
    }

    private static void run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            fail(String.join(" ", cmd) + " failed: " + out + " (the webp package, installed by scripts/setup.sh)");
        }
    }

    /** The P6 PPM of an RGB image. */
    private static byte[] ppm(RgbImage img) {
        byte[] head = ("P6\n" + img.width() + " " + img.height() + "\n255\n").getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[head.length + img.rgb().length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(img.rgb(), 0, out, head.length, img.rgb().length);
        return out;
    }

    private static RgbImage cut(RgbImage img, int[] c) {
        byte[] out = new byte[3 * c[2] * c[3]];
        for (int y = 0; y < c[3]; y++) {
            System.arraycopy(img.rgb(), 3 * ((c[1] + y) * img.width() + c[0]), out, 3 * y * c[2], 3 * c[2]);
        }
        return new RgbImage(out, c[2], c[3]);
    }

    /** The RGB bytes of a P6 file as dwebp writes it (one header line each for magic, size and maxval). */
    private static byte[] ppmPixels(byte[] ppm, int w, int h) {
        int n = 3 * w * h;
        return java.util.Arrays.copyOfRange(ppm, ppm.length - n, ppm.length);
    }

    @TestFactory
    List<DynamicTest> everySettingDecodesAsLibwebpDecodes() throws Exception {
        RgbImage photo = new ImageDecoder().decode(Files.readAllBytes(
                Path.of(System.getProperty("ofa.project.root", "..")).resolve("testdata/pdq/bridge-1-original.jpg")));
        Path dir = cacheDir();
        List<DynamicTest> tests = new ArrayList<>();
        for (int[] c : CUTS) {
            RgbImage src = cut(photo, c);
            byte[] srcPpm = ppm(src);
            for (String[] s : SETTINGS) {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                md.update(srcPpm);
                md.update(String.join(" ", s).getBytes(StandardCharsets.UTF_8));
                String key = HexFormat.of().formatHex(md.digest()).substring(0, 16);
                Path webp = dir.resolve(key + ".webp");
                Path ref = dir.resolve(key + ".ppm");
                if (!Files.exists(ref)) {
                    Path in = dir.resolve(key + ".src.ppm");
                    Files.write(in, srcPpm);
                    List<String> enc = new ArrayList<>(List.of("cwebp", "-quiet"));
                    enc.addAll(List.of(s));
                    enc.addAll(List.of(in.toString(), "-o", webp.toString()));
                    run(enc);
                    Path tmp = dir.resolve(key + ".tmp.ppm");
                    run(List.of("dwebp", "-quiet", webp.toString(), "-ppm", "-o", tmp.toString()));
                    Files.move(tmp, ref);
                    Files.delete(in);
                }
                byte[] file = Files.readAllBytes(webp);
                byte[] want = ppmPixels(Files.readAllBytes(ref), c[2], c[3]);
                String name = c[2] + "x" + c[3] + " " + String.join(" ", s);
                tests.add(DynamicTest.dynamicTest(name, () -> {
                    RgbImage got = new ImageDecoder().decode(file);
                    assertEquals(c[2] + "x" + c[3], got.width() + "x" + got.height());
                    byte[] rgb = got.rgb();
                    for (int i = 0; i < rgb.length; i++) {
                        if (rgb[i] != want[i]) {
                            int px = i / 3;
                            fail(name + ": first difference at (" + px % c[2] + ", " + px / c[2] + ") channel "
                                    + i % 3 + ": " + (rgb[i] & 0xff) + " here, libwebp " + (want[i] & 0xff));
                        }
                    }
                }));
            }
        }
        return tests;
    }
}
