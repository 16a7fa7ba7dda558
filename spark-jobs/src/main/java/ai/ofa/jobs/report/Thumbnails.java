package ai.ofa.jobs.report;

import ai.ofa.image.ImageDecoder;
import ai.ofa.image.PillowResize;
import ai.ofa.image.RgbImage;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Base64;

/**
 * Report thumbnails: the image decoded as the runtime decodes it (every format OFA reads), shrunk to fit a square
 * with Pillow's bicubic filter, and encoded as a small JPEG data URI (a few tens of KB, never the original bytes).
 *
 * <pre>{@code ReportModel.Thumbnail t = Thumbnails.make(bytes, 320);}</pre>
 */
public final class Thumbnails {
    private static final ImageDecoder DECODER = new ImageDecoder();

    private Thumbnails() {
    }

    public static ReportModel.Thumbnail make(byte[] image, int maxSide) throws IOException {
        RgbImage rgb = DECODER.decode(image);
        double scale = Math.min(1.0, maxSide / (double) Math.max(rgb.width(), rgb.height()));
        int w = Math.max(1, (int) Math.round(rgb.width() * scale));
        int h = Math.max(1, (int) Math.round(rgb.height() * scale));
        byte[] px = scale < 1 ? PillowResize.bicubic(rgb.rgb(), rgb.width(), rgb.height(), w, h) : rgb.rgb();
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] argb = new int[w * h];
        for (int i = 0; i < argb.length; i++) {
            argb[i] = (px[3 * i] & 0xff) << 16 | (px[3 * i + 1] & 0xff) << 8 | (px[3 * i + 2] & 0xff);
        }
        img.setRGB(0, 0, w, h, argb, 0, w);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(0.85f);
            writer.write(null, new IIOImage(img, null, null), p);
        } finally {
            writer.dispose();
        }
        return new ReportModel.Thumbnail("data:image/jpeg;base64," + Base64.getEncoder().encodeToString(out.toByteArray()),
                rgb.width(), rgb.height());
    }
}
