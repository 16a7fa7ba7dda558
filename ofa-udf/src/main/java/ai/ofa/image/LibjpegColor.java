package ai.ofa.image;

import java.awt.image.Raster;
import java.awt.image.WritableRaster;

/**
 * libjpeg's fixed-point colour conversion (jdcolor.c, the same in libjpeg-turbo), for the one case the JDK's reader
 * leaves to the caller: Adobe YCCK files, whose raw raster holds Y, Cb, Cr, K. libjpeg turns them into CMYK for
 * Pillow; the same integer tables give the same bytes.
 *
 * <pre>{@code Raster cmyk = LibjpegColor.ycckToCmyk(reader.readRaster(0, null));}</pre>
 */
final class LibjpegColor {
    private static final int SCALEBITS = 16;
    private static final int ONE_HALF = 1 << (SCALEBITS - 1);
    private static final int[] CR_R = new int[256];
    private static final int[] CB_B = new int[256];
    private static final int[] CR_G = new int[256];
    private static final int[] CB_G = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int x = i - 128;
            CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALEBITS;
            CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALEBITS;
            CR_G[i] = -fix(0.71414) * x;
            CB_G[i] = -fix(0.34414) * x + ONE_HALF;
        }
    }

    private LibjpegColor() {
    }

    private static int fix(double x) {
        return (int) (x * (1L << SCALEBITS) + 0.5);
    }

    /** YCCK -> CMYK: C, M, Y are 255 minus the RGB of the YCC triple (clamped), K passes through. */
    static Raster ycckToCmyk(Raster ycck) {
        int w = ycck.getWidth();
        int h = ycck.getHeight();
        WritableRaster out = ycck.createCompatibleWritableRaster(w, h);
        int[] px = new int[4 * w];
        for (int y = 0; y < h; y++) {
            ycck.getPixels(ycck.getMinX(), ycck.getMinY() + y, w, 1, px);
            for (int x = 0; x < w; x++) {
                int p = 4 * x;
                int luma = px[p];
                int cb = px[p + 1];
                int cr = px[p + 2];
                px[p] = clamp(255 - (luma + CR_R[cr]));
                px[p + 1] = clamp(255 - (luma + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS)));
                px[p + 2] = clamp(255 - (luma + CB_B[cb]));
            }
            out.setPixels(0, y, w, 1, px);
        }
        return out;
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }
}
