package ai.ofa.jobs.corpus;

import ai.ofa.image.ImageDecoder;
import ai.ofa.image.RgbImage;
import ai.ofa.jobs.Jpeg;
import ai.ofa.jobs.corpus.dedup.Fingerprint;
import ai.ofa.jobs.corpus.dedup.HammingBands;
import ai.ofa.jobs.corpus.dedup.ImageHash;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Leakage on real photographs: the first half of a pool of photos are evaluation images, each put through the
 * edits a corpus copy meets (re-encoding, JPEG q30/q50, resizing, crops centred and off-centre, letterbox,
 * brightness and contrast, grey, a text watermark); the other half are unrelated corpus images. Per edit: recall
 * (the copy within the threshold of its original) and precision (matches that are the right evaluation image);
 * the distances of all unrelated pairs, their histogram, and from a normal fit of that distribution the expected
 * chance matches of 20M corpus images against 150k evaluation images.
 *
 * <pre>{@code
 * PhotoLeakageBench.Result r = PhotoLeakageBench.run(PhotoLeakageBench.debianPhotos(), ImageHash.PDQ, 64, 1024);
 * PhotoLeakageBench.json(r, ImageHash.PDQ, 64).forEach(System.out::println);
 * }</pre>
 */
public final class PhotoLeakageBench {
    /** Where Debian's wallpaper and artwork packages (scripts/setup.sh) put their pictures. */
    public static final List<String> DEBIAN_PHOTO_DIRS = List.of("/usr/share/backgrounds", "/usr/share/wallpapers",
            "/usr/share/desktop-base", "/usr/share/plasma", "/usr/share/doc/imagemagick-6-common");
    /** Edits whose recall the goal covers (crops up to 5%). */
    public static final Set<String> GOAL_EDITS = Set.of("reencode_q90", "jpeg_q30", "jpeg_q50", "resize_25",
            "resize_50", "resize_200", "crop_2", "crop_5", "crop_5_offcentre", "letterbox", "brightness_+30",
            "brightness_-30", "contrast_+30", "contrast_-30", "grey", "watermark");

    /** Per edit: copies, caught, and wrong matches; unrelated pair distances; the chance estimate. */
    public record Result(int threshold, Map<String, int[]> perEdit, Map<String, int[]> ownDistances,
                         int[] unrelatedHistogram, long unrelatedPairs,
                         int unrelatedMin, double unrelatedMean, double unrelatedSd, double chanceAt20Mx150k,
                         int evalImages, int unrelatedImages, List<String> closeUnrelated) {
        public double recall(String edit) {
            int[] c = perEdit.get(edit);
            return c[1] / (double) c[0];
        }

        public double precision(String edit) {
            int[] c = perEdit.get(edit);
            return c[1] + c[2] == 0 ? 1 : c[1] / (double) (c[1] + c[2]);
        }

        /** Recall and precision over the goal's edits together. */
        public double[] goal() {
            long n = 0;
            long tp = 0;
            long fp = 0;
            for (String e : GOAL_EDITS) {
                int[] c = perEdit.get(e);
                n += c[0];
                tp += c[1];
                fp += c[2];
            }
            return new double[]{tp / (double) n, tp + fp == 0 ? 1 : tp / (double) (tp + fp)};
        }
    }

    private PhotoLeakageBench() {
    }

    /**
     * The photos (JPEG, PNG) of at least 320 x 240 under the given folders, one per picture: the packages ship some
     * pictures at several sizes (Sway's at 8), which would count as unrelated pairs at distance ~0, so file names
     * that differ only by a size token are taken once.
     */
    /**
     * Pictures the packages ship as variants of another picture (the same photograph re-toned, re-framed or shown
     * as a preview): counted as unrelated they would be wrong matches that are in fact copies.
     */
    static final List<String> VARIANTS = List.of("bluebells_clipped", "bluebells_darker", "grub-4x3", "preview",
            "fullscreenpreview");

    public static List<Path> photos(List<String> dirs) throws IOException {
        TreeMap<String, Path> byPicture = new TreeMap<>();
        for (String d : dirs) {
            Path dir = Path.of(d);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile).sorted()::iterator) {
                    String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
                    if (!name.matches(".*\\.(jpe?g|png)$") || Files.size(p) < 20_000) {
                        continue;
                    }
                    String picture = name.replaceAll("\\.(jpe?g|png)$", "").replaceAll("[_-]?\\d{3,5}x\\d{3,5}", "")
                            .replaceAll("[_-]?(portrait|dark|light)$", "");
                    if (!VARIANTS.contains(picture)) {
                        byPicture.putIfAbsent(picture, p);
                    }
                }
            }
        }
        return new ArrayList<>(byPicture.values());
    }

    public static List<Path> debianPhotos() throws IOException {
        return photos(DEBIAN_PHOTO_DIRS);
    }

    /** Runs the benchmark: photos scaled to at most {@code maxSide} (JPEG q90) are the originals. */
    public static Result run(List<Path> pool, ImageHash kind, int threshold, int maxSide) throws IOException {
        return run(pool, kind, new int[]{threshold}, maxSide, new double[0]).get(0);
    }

    /** With {@code crops}: evaluation images indexed under their crops too ({@link Fingerprint#evaluationHashes}). */
    public static List<Result> run(List<Path> pool, ImageHash kind, int[] thresholds, int maxSide, double[] crops)
            throws IOException {
        List<BufferedImage> images = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Path p : pool) {
            try {
                RgbImage img = new ImageDecoder().decode(Files.readAllBytes(p));
                if (img.width() >= 320 && img.height() >= 240) {
                    images.add(fit(toBuffered(img), maxSide));
                    names.add(p.getParent().getFileName() + "/" + p.getFileName());
                }
            } catch (RuntimeException e) {
                // a file the decoder refuses is not part of the pool
            }
        }
        int nEval = images.size() / 2;
        List<long[]> eval = new ArrayList<>();
        List<List<long[]>> evalIndexed = new ArrayList<>();
        for (int i = 0; i < nEval; i++) {
            byte[] b = Jpeg.encode(images.get(i), 0.9f);
            eval.add(hash(b, kind));
            evalIndexed.add(kind == ImageHash.PDQ ? Fingerprint.evaluationHashes(b, crops) : List.of(hash(b, kind)));
        }
        Map<String, int[]> ownDistances = new LinkedHashMap<>();
        Map<String, UnaryOperator<BufferedImage>> edits = edits();
        Map<String, int[][]> distances = new LinkedHashMap<>();   // edit -> [copy of i][eval j]
        for (Map.Entry<String, UnaryOperator<BufferedImage>> e : edits.entrySet()) {
            int[][] m = new int[nEval][nEval];
            for (int i = 0; i < nEval; i++) {
                BufferedImage edited = e.getValue().apply(images.get(i));
                float q = e.getKey().equals("jpeg_q30") ? 0.3f : e.getKey().equals("jpeg_q50") ? 0.5f : 0.9f;
                byte[] bytes = e.getKey().equals("reencode_png") ? png(edited) : Jpeg.encode(edited, q);
                long[] h = hash(bytes, kind);
                for (int j = 0; j < nEval; j++) {
                    m[i][j] = minDistance(h, evalIndexed.get(j));
                }
                ownDistances.computeIfAbsent(e.getKey(), x -> new int[nEval])[i] = m[i][i];
            }
            distances.put(e.getKey(), m);
        }
        // unrelated: every other photo against every evaluation photo, and evaluation photos among themselves
        List<long[]> others = new ArrayList<>();
        for (int i = nEval; i < images.size(); i++) {
            others.add(hash(Jpeg.encode(images.get(i), 0.9f), kind));
        }
        int[] hist = new int[kind.bits() + 1];
        int maxThreshold = java.util.Arrays.stream(thresholds).max().orElse(0);
        List<Integer> dists = new ArrayList<>();
        List<String> close = new ArrayList<>();
        List<long[]> all = new ArrayList<>(eval);
        all.addAll(others);
        for (int i = 0; i < all.size(); i++) {
            for (int j = i + 1; j < all.size(); j++) {
                if (i >= nEval && j >= nEval) {
                    continue;   // two corpus photos: not an evaluation pair
                }
                int d = HammingBands.distance(all.get(i), all.get(j));
                hist[d]++;
                dists.add(d);
                if (d <= maxThreshold + 10) {
                    close.add(d + " " + names.get(i) + " ~ " + names.get(j));
                }
            }
        }
        double mean = dists.stream().mapToInt(Integer::intValue).average().orElse(0);
        double var = dists.stream().mapToDouble(d -> (d - mean) * (d - mean)).sum() / Math.max(1, dists.size() - 1);
        double sd = Math.sqrt(var);
        int min = dists.stream().mapToInt(Integer::intValue).min().orElse(-1);
        List<Result> out = new ArrayList<>();
        int indexed = evalIndexed.isEmpty() ? 1 : evalIndexed.get(0).size();
        for (int threshold : thresholds) {
            Map<String, int[]> perEdit = new LinkedHashMap<>();
            distances.forEach((edit, m) -> {
                int[] c = new int[3];
                for (int i = 0; i < nEval; i++) {
                    c[0]++;
                    for (int j = 0; j < nEval; j++) {
                        if (m[i][j] <= threshold) {
                            c[j == i ? 1 : 2]++;
                        }
                    }
                }
                perEdit.put(edit, c);
            });
            // each evaluation image is indexed under `indexed` hashes: chance matches grow by as much
            double pChance = normalCdf((threshold + 0.5 - mean) / sd) * indexed;
            out.add(new Result(threshold, perEdit, ownDistances, hist, dists.size(), min, mean, sd,
                    pChance * 20e6 * 150e3, nEval, others.size(), close));
        }
        return out;
    }

    private static int minDistance(long[] h, List<long[]> indexed) {
        int best = Integer.MAX_VALUE;
        for (long[] x : indexed) {
            best = Math.min(best, HammingBands.distance(h, x));
        }
        return best;
    }

    private static long[] hash(byte[] bytes, ImageHash kind) {
        return Fingerprint.of(bytes, kind).hash();
    }

    /** The edits, by name; crops keep (100 - x)% of each side. */
    static Map<String, UnaryOperator<BufferedImage>> edits() {
        Map<String, UnaryOperator<BufferedImage>> m = new LinkedHashMap<>();
        m.put("reencode_q90", img -> img);
        m.put("reencode_png", img -> img);
        m.put("jpeg_q30", img -> img);
        m.put("jpeg_q50", img -> img);
        m.put("resize_25", img -> scaled(img, 0.25));
        m.put("resize_50", img -> scaled(img, 0.5));
        m.put("resize_200", img -> scaled(img, 2.0));
        m.put("crop_2", img -> crop(img, 0.02, 0.5));
        m.put("crop_5", img -> crop(img, 0.05, 0.5));
        m.put("crop_5_offcentre", img -> crop(img, 0.05, 0.0));
        m.put("crop_8", img -> crop(img, 0.08, 0.5));
        m.put("crop_8_offcentre", img -> crop(img, 0.08, 0.0));
        m.put("letterbox", PhotoLeakageBench::letterbox);
        m.put("brightness_+30", img -> mapped(img, v -> v * 1.3));
        m.put("brightness_-30", img -> mapped(img, v -> v * 0.7));
        m.put("contrast_+30", img -> mapped(img, v -> 128 + (v - 128) * 1.3));
        m.put("contrast_-30", img -> mapped(img, v -> 128 + (v - 128) * 0.7));
        m.put("grey", PhotoLeakageBench::grey);
        m.put("watermark", PhotoLeakageBench::watermark);
        return m;
    }

    private static BufferedImage toBuffered(RgbImage img) {
        BufferedImage out = new BufferedImage(img.width(), img.height(), BufferedImage.TYPE_INT_RGB);
        byte[] rgb = img.rgb();
        int[] argb = new int[img.width() * img.height()];
        for (int i = 0; i < argb.length; i++) {
            argb[i] = (rgb[3 * i] & 0xff) << 16 | (rgb[3 * i + 1] & 0xff) << 8 | (rgb[3 * i + 2] & 0xff);
        }
        out.setRGB(0, 0, img.width(), img.height(), argb, 0, img.width());
        return out;
    }

    private static BufferedImage fit(BufferedImage img, int maxSide) {
        double f = Math.min(1.0, maxSide / (double) Math.max(img.getWidth(), img.getHeight()));
        return f < 1 ? scaled(img, f) : img;
    }

    static BufferedImage scaled(BufferedImage img, double f) {
        int w = Math.max(1, (int) Math.round(img.getWidth() * f));
        int h = Math.max(1, (int) Math.round(img.getHeight() * f));
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        if (f < 0.5) {   // AWT's bicubic does not low-pass: halve step by step
            BufferedImage half = scaled(img, 0.5);
            g.dispose();
            return scaled(half, f / 0.5);
        }
        g.drawImage(img, 0, 0, w, h, null);
        g.dispose();
        return out;
    }

    /** Keeps (1 - fraction) of each side; {@code at} 0.5 centres the window, 0 takes the top-left corner. */
    static BufferedImage crop(BufferedImage img, double fraction, double at) {
        int cw = (int) Math.round(img.getWidth() * (1 - fraction));
        int ch = (int) Math.round(img.getHeight() * (1 - fraction));
        int x = (int) Math.round((img.getWidth() - cw) * at);
        int y = (int) Math.round((img.getHeight() - ch) * at);
        BufferedImage out = new BufferedImage(cw, ch, BufferedImage.TYPE_INT_RGB);
        out.getGraphics().drawImage(img.getSubimage(x, y, cw, ch), 0, 0, null);
        return out;
    }

    /** Black bars top and bottom (or left and right) to a square. */
    static BufferedImage letterbox(BufferedImage img) {
        int side = Math.max(img.getWidth(), img.getHeight());
        BufferedImage out = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.BLACK);
        g.fillRect(0, 0, side, side);
        g.drawImage(img, (side - img.getWidth()) / 2, (side - img.getHeight()) / 2, null);
        g.dispose();
        return out;
    }

    static BufferedImage watermark(BufferedImage img) {
        BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.drawImage(img, 0, 0, null);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, Math.max(10, img.getHeight() / 14)));
        g.setColor(new Color(255, 255, 255, 200));
        String text = "\u00a9 stock-photos.example";
        int tw = g.getFontMetrics().stringWidth(text);
        g.drawString(text, img.getWidth() - tw - img.getWidth() / 40, img.getHeight() - img.getHeight() / 30);
        g.dispose();
        return out;
    }

    private static BufferedImage grey(BufferedImage img) {
        BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int p = img.getRGB(x, y);
                int l = (int) Math.round(0.299 * (p >> 16 & 0xff) + 0.587 * (p >> 8 & 0xff) + 0.114 * (p & 0xff));
                out.setRGB(x, y, l << 16 | l << 8 | l);
            }
        }
        return out;
    }

    private static BufferedImage mapped(BufferedImage img, java.util.function.DoubleUnaryOperator f) {
        BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
        int[] lut = new int[256];
        for (int v = 0; v < 256; v++) {
            lut[v] = (int) Math.max(0, Math.min(255, Math.round(f.applyAsDouble(v))));
        }
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int p = img.getRGB(x, y);
                out.setRGB(x, y, lut[p >> 16 & 0xff] << 16 | lut[p >> 8 & 0xff] << 8 | lut[p & 0xff]);
            }
        }
        return out;
    }

    private static byte[] png(BufferedImage img) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            javax.imageio.ImageIO.write(img, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Standard normal CDF (Zelen and Severo's approximation, 7.5e-8 absolute; log-tail asymptotics below -8). */
    static double normalCdf(double z) {
        if (z < -8) {
            return Math.exp(-z * z / 2) / (-z * Math.sqrt(2 * Math.PI)) * (1 - 1 / (z * z));
        }
        if (z > 8) {
            return 1;
        }
        double t = 1 / (1 + 0.2316419 * Math.abs(z));
        double poly = t * (0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978
                + t * 1.330274429))));
        double tail = Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI) * poly;
        return z < 0 ? tail : 1 - tail;
    }

    /** The result as JSON lines: one per edit, then the unrelated distribution and the chance estimate. */
    public static List<String> json(Result r, ImageHash kind, int threshold) {
        List<String> out = new ArrayList<>();
        for (String e : r.perEdit().keySet()) {
            int[] c = r.perEdit().get(e);
            int[] own = r.ownDistances().get(e).clone();
            java.util.Arrays.sort(own);
            out.add(String.format(Locale.ROOT, "{\"hash\":\"%s\",\"threshold\":%d,\"edit\":\"%s\",\"copies\":%d,"
                    + "\"recall\":%.3f,\"precision\":%.3f,\"wrong_matches\":%d,\"own_median\":%d,\"own_p90\":%d,"
                    + "\"own_max\":%d}", kind.configName(), threshold, e, c[0], r.recall(e), r.precision(e), c[2],
                    own[own.length / 2], own[(int) (own.length * 0.9)], own[own.length - 1]));
        }
        StringBuilder h = new StringBuilder();
        for (int d = 0; d < r.unrelatedHistogram().length; d++) {
            if (r.unrelatedHistogram()[d] > 0) {
                h.append(h.length() == 0 ? "" : ",").append('"').append(d).append("\":")
                        .append(r.unrelatedHistogram()[d]);
            }
        }
        double[] g = r.goal();
        out.add(String.format(Locale.ROOT, "{\"hash\":\"%s\",\"threshold\":%d,\"eval_photos\":%d,"
                + "\"unrelated_photos\":%d,\"goal_edits_recall\":%.4f,\"goal_edits_precision\":%.4f,"
                + "\"unrelated_pairs\":%d,\"unrelated_min\":%d,\"unrelated_mean\":%.1f,\"unrelated_sd\":%.1f,"
                + "\"expected_chance_matches_20M_x_150k\":%.3g,\"unrelated_histogram\":{%s}}", kind.configName(),
                threshold, r.evalImages(), r.unrelatedImages(), g[0], g[1], r.unrelatedPairs(), r.unrelatedMin(),
                r.unrelatedMean(), r.unrelatedSd(), r.chanceAt20Mx150k(), h));
        return out;
    }

    public static void main(String[] args) throws Exception {
        List<Path> pool = debianPhotos();
        double[] crops = args.length > 1 ? java.util.Arrays.stream(args[1].split(",")).mapToDouble(Double::parseDouble)
                .toArray() : new double[0];
        int[] ks = args.length > 0 ? java.util.Arrays.stream(args[0].split(",")).mapToInt(Integer::parseInt).toArray()
                : new int[]{ImageHash.PDQ.defaultLeakDistance()};
        List<ImageHash> kinds = args.length > 2 ? List.of(ImageHash.parse(args[2])) : List.of(ImageHash.values());
        for (ImageHash kind : kinds) {
            List<Result> rs = run(pool, kind, kind == ImageHash.PDQ ? ks : new int[]{kind.defaultLeakDistance()},
                    1024, kind == ImageHash.PDQ ? crops : new double[0]);
            for (Result r : rs) {
                json(r, kind, r.threshold()).forEach(System.out::println);
            }
            rs.get(0).closeUnrelated().stream().limit(20).forEach(s -> System.out.println("# close unrelated: " + s));
        }
    }
}
