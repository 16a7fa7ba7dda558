package ai.ofa.image;

import ai.ofa.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real image files that neither Pillow nor this project wrote (Debian's wallpapers, artwork, ImageMagick's
 * documentation images, scikit-image's samples), variants of them made by libjpeg-turbo's tools, ImageMagick and
 * cwebp (ICC profiles, EXIF orientation, progressive, restart markers, subsampling, RGB/grey/YCCK JPEG, 16-bit,
 * palette and interlaced PNG, GIF, BMP, WebP lossy/lossless/alpha/animated) and truncated or corrupted copies, each decoded and resized to 480 and 512 by the
 * project and by Pillow 9.4 ({@code ofa_export.real_images}). Where Pillow raises, the decoder must raise; where it
 * decodes, the bytes must be equal, or within a bound named per format with its reason. Prints a table per format.
 */
class RealImageFilesTest {
    static final int MIN_PACKAGE_FILES = 200;

    /** Largest per-channel difference accepted, by format and Pillow mode; absent means byte-identical. */
    static final Map<String, Integer> BOUNDS = Map.of();

    /**
     * Formats whose mismatches are printed but do not fail yet, each with its reason. None: lossy WebP, the last one,
     * now goes through the project's own VP8 decoder, bit-exact with libwebp.
     */
    static final Map<String, String> KNOWN_GAPS = Map.of();

    /**
     * Single cases, by variant, whose mismatch is printed but does not fail, each with its reason. The random-byte
     * mutant 38 breaks the image sub-chunk tag of an animation's first ANMF frame: libwebp's demuxer then still
     * reports one frame and composes something from the rest of the file, where this decoder refuses the file
     * ("the first ANMF frame holds no VP8/VP8L image").
     */
    static final Map<String, String> KNOWN_CASE_GAPS = Map.of("crafted-webp-random-bytes-38",
            "broken first ANMF frame: refused here, libwebp's demuxer salvages a frame");

    @Test
    void everyRealFileDecodesAndResizesAsPillowDoes() throws Exception {
        Path dir = Fixtures.built("real-images");
        JsonNode cases = new ObjectMapper().readTree(dir.resolve("cases.json").toFile());
        ImageDecoder decoder = new ImageDecoder();
        Map<String, Row> table = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        List<String> knownGaps = new ArrayList<>();
        Map<String, Integer> counts = new TreeMap<>();
        for (JsonNode c : cases) {
            String variant = c.get("variant").asText();
            String kind = c.get("source").asText().equals("truncated") ? "truncated"
                    : variant.isEmpty() ? "package file" : variant.split("-")[0];
            boolean pillowOk = c.get("ok").asBoolean();
            String group = c.get("format").asText() + (pillowOk ? " " + c.get("pillow_mode").asText() : "")
                    + " / " + kind;
            Row row = table.computeIfAbsent(group, k -> new Row());
            row.files++;
            counts.merge(c.get("source").asText() + (pillowOk ? "" : " (Pillow raises)"), 1, Integer::sum);
            List<String> fail = KNOWN_GAPS.containsKey(c.get("format").asText())
                    || KNOWN_CASE_GAPS.containsKey(variant) ? knownGaps : failures;
            String name = c.get("id").asText() + " " + c.get("origin").asText() + (variant.isEmpty() ? "" : " ["
                    + variant + "]");
            byte[] bytes = Files.readAllBytes(dir.resolve(c.get("file").asText()));
            RgbImage img;
            try {
                img = decoder.decode(bytes);
            } catch (ImageDecodeException e) {
                if (pillowOk) {
                    fail.add(name + ": the decoder raised (" + e.getMessage() + ") where Pillow decodes it");
                } else {
                    row.same++;
                }
                continue;
            }
            if (!pillowOk) {
                fail.add(name + ": decoded " + img.width() + "x" + img.height() + " where Pillow raises ("
                        + c.get("error").asText() + ")");
                continue;
            }
            if (img.width() != c.get("width").asInt() || img.height() != c.get("height").asInt()) {
                fail.add(name + ": " + img.width() + "x" + img.height() + " where Pillow has " + c.get("width")
                        + "x" + c.get("height"));
                continue;
            }
            int bound = BOUNDS.getOrDefault(c.get("format").asText() + " " + c.get("pillow_mode").asText(), 0);
            boolean identical = ReferenceImageTest.sha256(img.rgb()).equals(c.get("sha256").asText());
            if (!identical) {
                int levels = c.get("pixels").isNull() ? Integer.MAX_VALUE
                        : maxDifference(img, dir.resolve(c.get("pixels").asText()));
                row.maxLevels = Math.max(row.maxLevels, levels);
                if (levels > bound) {
                    fail.add(name + ": decoded pixels differ from Pillow's by " + (levels == Integer.MAX_VALUE
                            ? "an unmeasured amount (image too large to keep Pillow's pixels)" : levels + " levels")
                            + (bound > 0 ? " > the bound " + bound : ""));
                    continue;
                }
            }
            for (int size : new int[]{480, 512}) {
                String want = c.get("resize").get(String.valueOf(size)).asText();
                if (identical && !ReferenceImageTest.sha256(ImagePreprocessor.resize(img, size)).equals(want)) {
                    fail.add(name + ": the " + size + " px resize differs from Pillow's");
                    identical = false;
                }
            }
            if (identical) {
                row.same++;
            }
        }
        StringBuilder out = new StringBuilder(String.format("[real-images] %-58s %6s %10s %10s%n", "format mode / kind",
                "files", "as Pillow", "max diff"));
        table.forEach((group, r) -> out.append(String.format("[real-images] %-58s %6d %10d %10s%n", group, r.files,
                r.same, r.maxLevels == 0 ? "0" : r.maxLevels == Integer.MAX_VALUE ? "?" : r.maxLevels + "")));
        out.append("[real-images] cases by source: ").append(counts);
        KNOWN_GAPS.forEach((format, why) -> out.append(String.format("%n[real-images] KNOWN GAP %s (%s)", format, why)));
        KNOWN_CASE_GAPS.forEach((v, why) -> out.append(String.format("%n[real-images] KNOWN GAP case %s (%s)", v, why)));
        out.append(String.format("%n[real-images] known-gap cases that differ: %d%n  %s", knownGaps.size(),
                String.join("\n  ", knownGaps)));
        System.out.println(out);
        int packageFiles = 0;
        for (JsonNode c : cases) {
            if (!List.of("derived", "truncated", "crafted").contains(c.get("source").asText()) && c.get("ok").asBoolean()) {
                packageFiles++;
            }
        }
        assertTrue(packageFiles >= MIN_PACKAGE_FILES, "only " + packageFiles + " decodable package files (want >= "
                + MIN_PACKAGE_FILES + "): are the packages of scripts/setup.sh's REAL_IMAGE_PACKAGES installed?");
        requireAtLeast(cases, "icc-", 8);
        requireAtLeast(cases, "exif-orientation-", 3);
        requireAtLeast(cases, "jpegtran-", 5);
        requireAtLeast(cases, "imagemagick-ycck", 2);
        requireAtLeast(cases, "truncated-", 50);
        requireAtLeast(cases, "gif-", 12);
        requireAtLeast(cases, "cwebp-lossy-", 30);
        requireAtLeast(cases, "cwebp-lossless-", 6);
        requireAtLeast(cases, "webp-animation-", 5);
        requireAtLeast(cases, "crafted-webp-", 20);
        assertTrue(failures.isEmpty(), failures.size() + " of " + cases.size() + " cases differ from Pillow:\n"
                + String.join("\n", failures));
    }

    private static void requireAtLeast(JsonNode cases, String variantPart, int n) {
        int found = 0;
        for (JsonNode c : cases) {
            found += c.get("variant").asText().contains(variantPart) ? 1 : 0;
        }
        assertTrue(found >= n, "only " + found + " cases of kind '" + variantPart + "' (want >= " + n + ")");
    }

    private static int maxDifference(RgbImage img, Path pillowPng) throws IOException {
        BufferedImage want = ImageIO.read(pillowPng.toFile());
        int max = 0;
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                int argb = want.getRGB(x, y);
                int p = (y * img.width() + x) * 3;
                max = Math.max(max, Math.abs(((argb >> 16) & 0xff) - (img.rgb()[p] & 0xff)));
                max = Math.max(max, Math.abs(((argb >> 8) & 0xff) - (img.rgb()[p + 1] & 0xff)));
                max = Math.max(max, Math.abs((argb & 0xff) - (img.rgb()[p + 2] & 0xff)));
            }
        }
        return max;
    }

    private static final class Row {
        int files;
        int same;
        int maxLevels;
    }
}
