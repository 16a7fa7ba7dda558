package ai.ofa.image;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Lossless PNG bytes of an RGB image (8 bits per channel), through the JDK's PNG writer.
 *
 * <pre>{@code byte[] png = PngWriter.encode(image);}</pre>
 */
public final class PngWriter {
    private PngWriter() {
    }

    public static byte[] encode(RgbImage image) {
        BufferedImage bi = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        byte[] rgb = image.rgb();
        int[] row = new int[image.width()];
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                int i = (y * image.width() + x) * 3;
                row[x] = (rgb[i] & 0xff) << 16 | (rgb[i + 1] & 0xff) << 8 | (rgb[i + 2] & 0xff);
            }
            bi.setRGB(0, y, image.width(), 1, row, 0, image.width());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(bi, "png", out)) {
                throw new IllegalStateException("No PNG writer in this JDK");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot encode a PNG: " + e.getMessage(), e);
        }
        return out.toByteArray();
    }
}
