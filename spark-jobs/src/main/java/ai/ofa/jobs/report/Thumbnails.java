package ai.ofa.jobs.report;

import ai.ofa.image.ImageDecoder;
import ai.ofa.image.PillowResize;
import ai.ofa.image.RgbImage;

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
        byte[] jpeg = ai.ofa.jobs.Jpeg.encode(px, w, h, 0.85f);
        return new ReportModel.Thumbnail("data:image/jpeg;base64," + Base64.getEncoder().encodeToString(jpeg),
                rgb.width(), rgb.height());
    }
}
