package ai.ofa.jobs.corpus.dedup;

import ai.ofa.image.ImageDecoder;
import ai.ofa.image.RgbImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reduced-scale luma plane against the full decoder (Pillow's pixels): on a real photo re-coded by libjpeg's
 * own tools as progressive, with restart markers, grey, 4:4:4, 4:2:2, optimised tables and at smaller sizes (1/4,
 * 1/2 and full scale), every plane value is the mean of the fully decoded luma over its block, within JPEG's
 * rounding; a broken Huffman, progressive or restart path would be tens of levels off.
 */
public class ScaledJpegTest {
    private static byte[] run(Path dir, byte[] in, String... cmd) throws Exception {
        Path src = dir.resolve("in.jpg");
        Path dst = dir.resolve("out.jpg");
        Files.write(src, in);
        List<String> c = new ArrayList<>(List.of(cmd));
        c.add("-outfile");
        c.add(dst.toString());
        c.add(src.toString());
        Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", c) + ": " + out
                + " (libjpeg-turbo-progs, installed by scripts/setup.sh)");
        return Files.readAllBytes(dst);
    }

    @Test
    void planeIsTheBlockMeanOfTheFullyDecodedLuma(@TempDir Path tmp) throws Exception {
        byte[] photo = Files.readAllBytes(PdqTest.root().resolve("testdata/pdq/bridge-1-original.jpg"));
        RgbImage full = new ImageDecoder().decode(photo);
        byte[] ppm = ppm(full);
        Map<String, byte[]> variants = new LinkedHashMap<>();
        variants.put("baseline 4:2:0 (as shipped)", photo);
        variants.put("progressive", run(tmp, photo, "jpegtran", "-progressive"));
        variants.put("restart every row", run(tmp, photo, "jpegtran", "-restart", "1"));
        variants.put("restart every 3 MCUs, progressive", run(tmp, photo, "jpegtran", "-restart", "3B",
                "-progressive"));
        variants.put("grey", run(tmp, photo, "jpegtran", "-grayscale"));
        variants.put("optimised tables", run(tmp, photo, "jpegtran", "-optimize"));
        Path p = tmp.resolve("in.ppm");
        Files.write(p, ppm);
        variants.put("4:4:4 q90", cjpeg(tmp, p, "-quality", "90", "-sample", "1x1"));
        variants.put("4:2:2 q75", cjpeg(tmp, p, "-quality", "75", "-sample", "2x1"));
        for (Map.Entry<String, byte[]> v : variants.entrySet()) {
            check(v.getKey(), v.getValue(), 8);
        }
        // smaller pictures keep >= 64 samples a side: 1/4, 1/2 and full scale through the reduced inverse DCT
        check("800x502 (1/4)", cjpeg(tmp, djpeg(tmp, photo, "1/2"), "-quality", "90"), 4);
        check("400x251 (1/2)", cjpeg(tmp, djpeg(tmp, photo, "1/4"), "-quality", "90"), 2);
        check("200x126 (full)", cjpeg(tmp, djpeg(tmp, photo, "1/8"), "-quality", "90"), 1);
    }

    @Test
    void truncatedAndForeignDataAreRefusedOrLeftToTheFullDecoder(@TempDir Path tmp) throws Exception {
        byte[] photo = Files.readAllBytes(PdqTest.root().resolve("testdata/pdq/bridge-1-original.jpg"));
        byte[] cut = java.util.Arrays.copyOf(photo, photo.length / 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ScaledJpeg.luma(cut, 64));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ScaledJpeg.luma(new byte[]{1, 2, 3, 4}, 64));
        // progressive at a finer scale than 1/8 needs the AC scans: left to the full decoder
        byte[] prog = cjpeg(tmp, djpeg(tmp, photo, "1/8"), "-quality", "90", "-progressive");
        assertEquals(null, ScaledJpeg.luma(prog, 64));
        Fingerprint f = Fingerprint.of(prog, ImageHash.PDQ);
        assertEquals(200, f.width());
    }

    private static void check(String name, byte[] jpeg, int scale) {
        ScaledJpeg.Plane plane = ScaledJpeg.luma(jpeg, Fingerprint.PDQ_MIN_SIDE);
        assertNotNull(plane, name + ": not handled");
        assertEquals(scale, plane.scale(), name);
        RgbImage img = new ImageDecoder().decode(jpeg);
        assertEquals(img.width(), plane.fullWidth(), name);
        double sumAbs = 0;
        int n = 0;
        for (int by = 0; by < plane.height() - 1; by++) {   // the last row and column may be partial blocks
            for (int bx = 0; bx < plane.width() - 1; bx++) {
                double mean = 0;
                for (int y = 0; y < scale; y++) {
                    for (int x = 0; x < scale; x++) {
                        int i = 3 * ((by * scale + y) * img.width() + bx * scale + x);
                        mean += 0.299 * (img.rgb()[i] & 0xff) + 0.587 * (img.rgb()[i + 1] & 0xff)
                                + 0.114 * (img.rgb()[i + 2] & 0xff);
                    }
                }
                mean /= scale * scale;
                sumAbs += Math.abs(mean - plane.luma()[by * plane.width() + bx]);
                n++;
            }
        }
        double mad = sumAbs / n;
        System.out.printf("{\"scaled_jpeg\":\"%s\",\"scale\":%d,\"mean_abs_diff_levels\":%.3f}%n", name, scale, mad);
        assertTrue(mad < (scale == 8 ? 1.5 : 3.0), name + ": plane off the decoded block means by " + mad);
        int d = Pdq.distance(Pdq.ofLuma(plane.luma().clone(), plane.width(), plane.height()).words(),
                Fingerprint.pdqReduced(img).words());
        assertTrue(d <= 12, name + ": PDQ of the plane " + d + " bits from PDQ of the decoded pixels");
    }

    private static byte[] ppm(RgbImage img) {
        byte[] head = ("P6\n" + img.width() + " " + img.height() + "\n255\n").getBytes();
        byte[] out = java.util.Arrays.copyOf(head, head.length + img.rgb().length);
        System.arraycopy(img.rgb(), 0, out, head.length, img.rgb().length);
        return out;
    }

    /** The photo decoded by libjpeg at a reduced scale, as a PPM file. */
    private static Path djpeg(Path dir, byte[] jpeg, String scale) throws Exception {
        Path src = dir.resolve("d.jpg");
        Path dst = dir.resolve("d-" + scale.replace('/', '_') + ".ppm");
        Files.write(src, jpeg);
        Process pr = new ProcessBuilder("djpeg", "-scale", scale, "-pnm", "-outfile", dst.toString(),
                src.toString()).redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes());
        assertEquals(0, pr.waitFor(), "djpeg: " + out);
        return dst;
    }

    private static byte[] cjpeg(Path dir, Path ppm, String... args) throws Exception {
        Path dst = dir.resolve("c.jpg");
        List<String> c = new ArrayList<>(List.of("cjpeg"));
        c.addAll(List.of(args));
        c.add("-outfile");
        c.add(dst.toString());
        c.add(ppm.toString());
        Process pr = new ProcessBuilder(c).redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes());
        assertEquals(0, pr.waitFor(), String.join(" ", c) + ": " + out);
        return Files.readAllBytes(dst);
    }
}
