package ai.ofa.task;

/**
 * OFA's location bins <-> pixels for an original image W x H fed at S x S:
 * bin = round(x * (S / W) / maxImageSize * (numBins - 1)), x = bin / (numBins - 1) * maxImageSize / (S / W)
 * (y likewise with H). maxImageSize is OFA's fixed 512, not S. Computed in float32 as OFA's eval does.
 */
public record BoxQuantizer(int numBins, int maxImageSize) {
    public double toPixel(int bin, int size, int originalExtent) {
        float b = bin;
        float scale = (float) size / originalExtent;
        return b / (numBins - 1) * maxImageSize / scale;
    }

    public int toBin(double pixel, int size, int originalExtent) {
        double v = pixel * ((double) size / originalExtent) / maxImageSize * (numBins - 1);
        return (int) Math.max(0, Math.min(numBins - 1, Math.round(v)));
    }

    public Box toBox(int[] bins, int size, int width, int height) {
        return new Box(toPixel(bins[0], size, width), toPixel(bins[1], size, height),
                toPixel(bins[2], size, width), toPixel(bins[3], size, height));
    }

    public int[] toBins(Box box, int size, int width, int height) {
        return new int[]{toBin(box.x0(), size, width), toBin(box.y0(), size, height),
                toBin(box.x1(), size, width), toBin(box.y1(), size, height)};
    }
}
