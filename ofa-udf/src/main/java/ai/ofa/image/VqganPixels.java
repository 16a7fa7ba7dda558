package ai.ofa.image;

/**
 * The pixel conventions of OFA's VQGAN. In: RGB resized to S x S (Pillow BICUBIC), x / 255, then 2x - 1, in float32,
 * CHW ({@code preprocess_vqgan} of OFA's data code). Out: OFA's {@code custom_to_pil}: clamp to [-1, 1], (x + 1) / 2,
 * times 255, truncated to uint8.
 *
 * <pre>{@code
 * VqganPixels.toSignedUnit(PillowResize.bicubic(rgb, w, h, 256, 256), 256, 256, input, 0);
 * RgbImage out = VqganPixels.toImage(pixels, 0, 256, 256);
 * }</pre>
 */
public final class VqganPixels {
    private VqganPixels() {
    }

    /** Writes 2 * (x / 255) - 1 of interleaved RGB (width x height) into {@code out} as CHW at {@code offset}. */
    public static void toSignedUnit(byte[] rgb, int width, int height, float[] out, int offset) {
        int plane = width * height;
        if (rgb.length != plane * 3) {
            throw new IllegalArgumentException("RGB buffer of " + rgb.length + " bytes is not " + width + "x" + height);
        }
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                float v = (rgb[i * 3 + c] & 0xff) / 255f;   // ToTensor's float32 division, then 2x - 1 in float32
                out[offset + c * plane + i] = 2f * v - 1f;
            }
        }
    }

    /** custom_to_pil of one CHW float image at {@code offset}: clamp, (x + 1) / 2, * 255, truncated. */
    public static RgbImage toImage(float[] chw, int offset, int width, int height) {
        int plane = width * height;
        if (offset < 0 || offset + 3L * plane > chw.length) {
            throw new IllegalArgumentException("Pixel buffer of " + chw.length + " floats has no 3x" + height + "x"
                    + width + " image at " + offset);
        }
        byte[] rgb = new byte[plane * 3];
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                rgb[i * 3 + c] = (byte) toByte(chw[offset + c * plane + i]);
            }
        }
        return new RgbImage(rgb, width, height);
    }

    /** One value: NaN (never produced by a sane decoder) maps to 0, as numpy's cast does on this platform. */
    static int toByte(float v) {
        float x = (Math.max(-1f, Math.min(1f, v)) + 1f) / 2f;
        return (int) (255f * x);
    }

    /** A copy of {@code base} with {@code patch} written over it, its top-left corner at (x, y). */
    public static RgbImage paste(RgbImage base, RgbImage patch, int x, int y) {
        if (x < 0 || y < 0 || x + patch.width() > base.width() || y + patch.height() > base.height()) {
            throw new IllegalArgumentException("A " + patch.width() + "x" + patch.height() + " patch at (" + x + ", "
                    + y + ") does not fit in a " + base.width() + "x" + base.height() + " image");
        }
        byte[] out = base.rgb().clone();
        for (int row = 0; row < patch.height(); row++) {
            System.arraycopy(patch.rgb(), row * patch.width() * 3, out, ((y + row) * base.width() + x) * 3,
                    patch.width() * 3);
        }
        return new RgbImage(out, base.width(), base.height());
    }

    /** The {@code width x height} region of {@code img} whose top-left corner is at (x, y). */
    public static RgbImage crop(RgbImage img, int x, int y, int width, int height) {
        if (x < 0 || y < 0 || x + width > img.width() || y + height > img.height()) {
            throw new IllegalArgumentException("Crop " + width + "x" + height + " at (" + x + ", " + y
                    + ") is outside the " + img.width() + "x" + img.height() + " image");
        }
        byte[] out = new byte[width * height * 3];
        for (int row = 0; row < height; row++) {
            System.arraycopy(img.rgb(), ((y + row) * img.width() + x) * 3, out, row * width * 3, width * 3);
        }
        return new RgbImage(out, width, height);
    }
}
