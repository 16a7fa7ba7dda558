package ai.ofa.task;

/** A box in original-image pixels, corners (x0, y0) top-left and (x1, y1) bottom-right. */
public record Box(double x0, double y0, double x1, double y1) {
    public static Box parse(String text) {
        String[] p = text.split(",");
        if (p.length != 4) {
            throw new IllegalArgumentException("Box '" + text + "' must be x0,y0,x1,y1 (four numbers)");
        }
        try {
            return new Box(Double.parseDouble(p[0].trim()), Double.parseDouble(p[1].trim()),
                    Double.parseDouble(p[2].trim()), Double.parseDouble(p[3].trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Box '" + text + "' must be x0,y0,x1,y1 (four numbers)", e);
        }
    }

    public double area() {
        return Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
    }

    /** Intersection over union; 0 when the union is empty. */
    public double iou(Box other) {
        double w = Math.min(x1, other.x1) - Math.max(x0, other.x0);
        double h = Math.min(y1, other.y1) - Math.max(y0, other.y0);
        double inter = w <= 0 || h <= 0 ? 0 : w * h;
        double union = area() + other.area() - inter;
        return union <= 0 ? 0 : inter / union;
    }
}
