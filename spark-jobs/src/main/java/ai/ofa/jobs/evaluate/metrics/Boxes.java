package ai.ofa.jobs.evaluate.metrics;

/** Box math on corner boxes {x0, y0, x1, y1} in pixels. */
public final class Boxes {
    private Boxes() {
    }

    /** COCO's [x, y, width, height] to corners. */
    public static double[] fromXywh(double x, double y, double w, double h) {
        return new double[]{x, y, x + w, y + h};
    }

    public static double area(double[] b) {
        return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
    }

    public static double intersection(double[] a, double[] b) {
        double w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
        double h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
        return w <= 0 || h <= 0 ? 0 : w * h;
    }

    public static double iou(double[] a, double[] b) {
        return new ai.ofa.task.Box(a[0], a[1], a[2], a[3]).iou(new ai.ofa.task.Box(b[0], b[1], b[2], b[3]));
    }
}
