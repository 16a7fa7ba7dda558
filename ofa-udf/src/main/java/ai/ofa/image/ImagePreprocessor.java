package ai.ofa.image;

/**
 * Decoded RGB -> OFA's input tensor: Pillow BICUBIC resize to S x S (aspect ratio not kept), x/255, then
 * (x - mean) / std per channel, in float32, laid out CHW.
 *
 * <pre>{@code float[] chw = ImagePreprocessor.normalize(PillowResize.bicubic(...), 480, mean, std);}</pre>
 */
public final class ImagePreprocessor {
    private ImagePreprocessor() {
    }

    public static byte[] resize(RgbImage img, int size) {
        return PillowResize.bicubic(img.rgb(), img.width(), img.height(), size, size);
    }

    /** Writes the normalised CHW tensor of one S x S RGB image into {@code out} at {@code offset}. */
    public static void normalize(byte[] rgb, int size, float[] mean, float[] std, float[] out, int offset) {
        int plane = size * size;
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                float v = (rgb[i * 3 + c] & 0xff) / 255f;   // ToTensor: float32 division
                out[offset + c * plane + i] = (v - mean[c]) / std[c];
            }
        }
    }
}
