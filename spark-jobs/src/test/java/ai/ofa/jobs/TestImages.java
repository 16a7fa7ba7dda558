package ai.ofa.jobs;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Test helpers: images re-encoded at another scale or format, and the text files a Spark job wrote. */
public final class TestImages {
    private TestImages() {
    }

    /** The image drawn at {@code scale} into an RGB image and written in {@code format} (jpg, png, bmp). */
    public static byte[] rescaled(byte[] image, String format, double scale) throws IOException {
        BufferedImage src = ImageIO.read(new ByteArrayInputStream(image));
        int w = (int) Math.round(src.getWidth() * scale);
        int h = (int) Math.round(src.getHeight() * scale);
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        out.getGraphics().drawImage(src, 0, 0, w, h, null);
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ImageIO.write(out, format, o);
        return o.toByteArray();
    }

    /** The text part files (*.txt) under a folder Spark wrote, sorted. */
    public static List<Path> textFiles(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".txt")).sorted().toList();
        }
    }

    /** Every line of those files. */
    public static List<String> textLines(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        for (Path f : textFiles(dir)) {
            out.addAll(Files.readAllLines(f));
        }
        return out;
    }
}
