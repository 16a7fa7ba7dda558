package ai.ofa.jobs.evaluate.metrics;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * COCO bounding-box evaluation with the definitions of the COCO API's COCOeval: IoU thresholds 0.50:0.05:0.95,
 * 101 recall points with precision made monotone, area ranges all/small (&lt; 32^2)/medium/large (&gt; 96^2) on the gold
 * annotation's area, crowd annotations matched without being counted (IoU over the detection's area), at most
 * {@code maxDets} detections per image and category by score, unmatched detections outside the area range ignored,
 * mAP as the mean over categories that have gold boxes.
 *
 * <pre>{@code
 * CocoDetectionEval.Summary s = CocoDetectionEval.evaluate(gold, detections);  // s.ap(), s.ap50(), ...
 * }</pre>
 */
public final class CocoDetectionEval {
    /** A gold annotation: box as corners, COCO's {@code area} field (segment area) and {@code iscrowd}. */
    public record Gold(String imageId, int categoryId, double[] box, double area, boolean crowd) {
    }

    public record Detection(String imageId, int categoryId, double[] box, double score) {
    }

    public record Summary(double ap, double ap50, double ap75, double apSmall, double apMedium, double apLarge,
                          double ar1, double ar10, double ar100, Map<Integer, Double> apPerCategory,
                          double[] recallPoints, double[] precisionAt50) {
    }

    static final double[] IOU_THRESHOLDS = new double[10];
    static final double[] RECALL_POINTS = new double[101];
    private static final double[][] AREAS = {{0, 1e10}, {0, 32 * 32}, {32 * 32, 96 * 96}, {96 * 96, 1e10}};
    private static final int[] MAX_DETS = {1, 10, 100};

    static {
        for (int i = 0; i < 10; i++) {
            IOU_THRESHOLDS[i] = 0.5 + 0.05 * i;
        }
        for (int i = 0; i <= 100; i++) {
            RECALL_POINTS[i] = i / 100.0;
        }
    }

    private CocoDetectionEval() {
    }

    /** Per (image, category, area range): detections' scores, matched flags and ignore flags per threshold. */
    private record ImageEval(double[] scores, boolean[][] matched, boolean[][] ignored, int gtCounted) {
    }

    public static Summary evaluate(List<Gold> gold, List<Detection> detections) {
        Map<String, List<Gold>> gts = new HashMap<>();
        Map<String, List<Detection>> dts = new HashMap<>();
        TreeSet<Integer> cats = new TreeSet<>();
        TreeSet<String> images = new TreeSet<>();
        for (Gold g : gold) {
            gts.computeIfAbsent(g.imageId() + "\u0000" + g.categoryId(), k -> new ArrayList<>()).add(g);
            cats.add(g.categoryId());
            images.add(g.imageId());
        }
        for (Detection d : detections) {
            dts.computeIfAbsent(d.imageId() + "\u0000" + d.categoryId(), k -> new ArrayList<>()).add(d);
            images.add(d.imageId());
        }
        int maxDet = MAX_DETS[MAX_DETS.length - 1];
        // precision[t][r][k][a][m], recall[t][k][a][m]; -1 where a category has no counted gold box
        double[][][][][] precision = new double[10][101][cats.size()][AREAS.length][MAX_DETS.length];
        double[][][][] recall = new double[10][cats.size()][AREAS.length][MAX_DETS.length];
        int k = 0;
        for (int cat : cats) {
            for (int a = 0; a < AREAS.length; a++) {
                List<ImageEval> evals = new ArrayList<>();
                for (String img : images) {
                    ImageEval e = evaluateImage(gts.getOrDefault(img + "\u0000" + cat, List.of()),
                            dts.getOrDefault(img + "\u0000" + cat, List.of()), AREAS[a], maxDet);
                    if (e != null) {
                        evals.add(e);
                    }
                }
                for (int m = 0; m < MAX_DETS.length; m++) {
                    accumulate(evals, MAX_DETS[m], precision, recall, k, a, m);
                }
            }
            k++;
        }
        int all = 0;
        int last = MAX_DETS.length - 1;
        Map<Integer, Double> perCat = new LinkedHashMap<>();
        k = 0;
        for (int cat : cats) {
            double sum = 0;
            int n = 0;
            for (int t = 0; t < 10; t++) {
                for (int r = 0; r <= 100; r++) {
                    double p = precision[t][r][k][all][last];
                    if (p > -1) {
                        sum += p;
                        n++;
                    }
                }
            }
            perCat.put(cat, n == 0 ? -1 : sum / n);
            k++;
        }
        double[] pr50 = new double[101];
        for (int r = 0; r <= 100; r++) {
            double sum = 0;
            int n = 0;
            for (int c = 0; c < cats.size(); c++) {
                if (precision[0][r][c][all][last] > -1) {
                    sum += precision[0][r][c][all][last];
                    n++;
                }
            }
            pr50[r] = n == 0 ? -1 : sum / n;
        }
        return new Summary(meanPrecision(precision, -1, all, last), meanPrecision(precision, 0, all, last),
                meanPrecision(precision, 5, all, last), meanPrecision(precision, -1, 1, last),
                meanPrecision(precision, -1, 2, last), meanPrecision(precision, -1, 3, last),
                meanRecall(recall, all, 0), meanRecall(recall, all, 1), meanRecall(recall, all, 2), perCat,
                RECALL_POINTS.clone(), pr50);
    }

    private static ImageEval evaluateImage(List<Gold> g, List<Detection> d, double[] range, int maxDet) {
        if (g.isEmpty() && d.isEmpty()) {
            return null;
        }
        // gold: not-ignored first (stable), as COCOeval sorts by its ignore flag
        List<Gold> gs = new ArrayList<>(g);
        gs.sort(Comparator.comparing(x -> ignored(x, range)));
        List<Detection> ds = new ArrayList<>(d);
        ds.sort(Comparator.comparingDouble(Detection::score).reversed());
        if (ds.size() > maxDet) {
            ds = ds.subList(0, maxDet);
        }
        int nd = ds.size();
        int ng = gs.size();
        double[][] ious = new double[nd][ng];
        for (int i = 0; i < nd; i++) {
            for (int j = 0; j < ng; j++) {
                double[] db = ds.get(i).box();
                double[] gb = gs.get(j).box();
                if (gs.get(j).crowd()) {
                    double area = Boxes.area(db);
                    ious[i][j] = area <= 0 ? 0 : Boxes.intersection(db, gb) / area;
                } else {
                    ious[i][j] = Boxes.iou(db, gb);
                }
            }
        }
        boolean[] gtIgnore = new boolean[ng];
        int counted = 0;
        for (int j = 0; j < ng; j++) {
            gtIgnore[j] = ignored(gs.get(j), range);
            if (!gtIgnore[j]) {
                counted++;
            }
        }
        boolean[][] matched = new boolean[10][nd];
        boolean[][] dtIgnore = new boolean[10][nd];
        for (int t = 0; t < 10; t++) {
            int[] gtMatchedBy = new int[ng];
            java.util.Arrays.fill(gtMatchedBy, -1);
            for (int i = 0; i < nd; i++) {
                double best = Math.min(IOU_THRESHOLDS[t], 1 - 1e-10);
                int m = -1;
                for (int j = 0; j < ng; j++) {
                    if (gtMatchedBy[j] >= 0 && !gs.get(j).crowd()) {
                        continue;   // already matched, and not a crowd
                    }
                    if (m > -1 && !gtIgnore[m] && gtIgnore[j]) {
                        break;      // a counted match beats any ignored gold box (they come last)
                    }
                    if (ious[i][j] < best) {
                        continue;
                    }
                    best = ious[i][j];
                    m = j;
                }
                if (m == -1) {
                    continue;
                }
                dtIgnore[t][i] = gtIgnore[m];
                matched[t][i] = true;
                gtMatchedBy[m] = i;
            }
            for (int i = 0; i < nd; i++) {
                double area = Boxes.area(ds.get(i).box());
                if (!matched[t][i] && (area < range[0] || area > range[1])) {
                    dtIgnore[t][i] = true;
                }
            }
        }
        double[] scores = new double[nd];
        for (int i = 0; i < nd; i++) {
            scores[i] = ds.get(i).score();
        }
        return new ImageEval(scores, matched, dtIgnore, counted);
    }

    private static boolean ignored(Gold g, double[] range) {
        return g.crowd() || g.area() < range[0] || g.area() > range[1];
    }

    private static void accumulate(List<ImageEval> evals, int maxDet, double[][][][][] precision,
                                   double[][][][] recall, int k, int a, int m) {
        int npig = 0;
        List<double[]> rows = new ArrayList<>();   // score, image index, detection index (stable order)
        for (int e = 0; e < evals.size(); e++) {
            ImageEval ev = evals.get(e);
            npig += ev.gtCounted();
            for (int i = 0; i < Math.min(maxDet, ev.scores().length); i++) {
                rows.add(new double[]{ev.scores()[i], e, i});
            }
        }
        if (npig == 0) {
            for (int t = 0; t < 10; t++) {
                recall[t][k][a][m] = -1;
                for (int r = 0; r <= 100; r++) {
                    precision[t][r][k][a][m] = -1;
                }
            }
            return;
        }
        rows.sort(Comparator.comparingDouble((double[] x) -> -x[0]));   // stable, as numpy's mergesort
        for (int t = 0; t < 10; t++) {
            List<Double> rc = new ArrayList<>();
            List<Double> pr = new ArrayList<>();
            double tp = 0;
            double fp = 0;
            for (double[] row : rows) {
                ImageEval ev = evals.get((int) row[1]);
                int i = (int) row[2];
                if (ev.ignored()[t][i]) {
                    // ignored detections count neither way, but still take a place in the cumulative sums
                } else if (ev.matched()[t][i]) {
                    tp++;
                } else {
                    fp++;
                }
                rc.add(tp / npig);
                pr.add(tp / (tp + fp + Math.ulp(1.0)));
            }
            int nd = rc.size();
            recall[t][k][a][m] = nd == 0 ? 0 : rc.get(nd - 1);
            for (int i = nd - 1; i > 0; i--) {
                if (pr.get(i) > pr.get(i - 1)) {
                    pr.set(i - 1, pr.get(i));
                }
            }
            for (int r = 0; r <= 100; r++) {
                int idx = searchLeft(rc, RECALL_POINTS[r]);
                precision[t][r][k][a][m] = idx < nd ? pr.get(idx) : 0;
            }
        }
    }

    /** numpy searchsorted(side='left'): the first index whose value is &gt;= x. */
    private static int searchLeft(List<Double> sorted, double x) {
        int lo = 0;
        int hi = sorted.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted.get(mid) < x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Mean of precision[t][*][*][a][m] over entries &gt; -1; t &lt; 0 means every threshold. */
    private static double meanPrecision(double[][][][][] p, int t, int a, int m) {
        double sum = 0;
        int n = 0;
        for (int ti = 0; ti < p.length; ti++) {
            if (t >= 0 && ti != t) {
                continue;
            }
            for (double[][][] atRecall : p[ti]) {
                for (double[][] category : atRecall) {
                    if (category[a][m] > -1) {
                        sum += category[a][m];
                        n++;
                    }
                }
            }
        }
        return n == 0 ? -1 : sum / n;
    }

    private static double meanRecall(double[][][][] r, int a, int m) {
        double sum = 0;
        int n = 0;
        for (double[][][] t : r) {
            for (double[][] c : t) {
                if (c[a][m] > -1) {
                    sum += c[a][m];
                    n++;
                }
            }
        }
        return n == 0 ? -1 : sum / n;
    }
}
