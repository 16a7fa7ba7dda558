package ai.ofa.task;

import ai.ofa.testing.Fixtures;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;

/** Distinct test images: the reference fixture's two photos and a synthetic non-square PNG. */
final class TaskImages {
    private TaskImages() {
    }

    static List<byte[]> three() {
        try {
            var dir = Fixtures.referenceFixture().resolve("images");
            return List.of(Files.readAllBytes(dir.resolve("astronaut.png")),
                    Files.readAllBytes(dir.resolve("hubble_deep_field.jpg")), synthetic(320, 200));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A colour ramp with a bright square, so the image carries structure the encoder can see. */
    static byte[] synthetic(int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean square = x > w / 4 && x < w / 2 && y > h / 3 && y < 2 * h / 3;
                int r = square ? 250 : 255 * x / w;
                int g = square ? 240 : 255 * y / h;
                int b = square ? 30 : 128;
                img.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
