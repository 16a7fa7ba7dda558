package ai.ofa.image;

import ai.ofa.image.webp.Vp8Decoder;
import ai.ofa.image.webp.WebPContainer;
import ai.ofa.image.webp.YuvToRgb;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.SinglePixelPackedSampleModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Safe decoding of encoded image bytes to 8-bit RGB, matching Pillow's {@code Image.open(...).convert('RGB')}:
 * JPEG (baseline, progressive, CMYK), PNG (palette, alpha, grey, 16-bit), GIF (first frame), BMP, WebP (lossy through
 * the project's libwebp-exact VP8 decoder in {@code ai.ofa.image.webp}, lossless, alpha, first frame of animations).
 * The format is sniffed from the magic bytes; the pixel count is checked from the header BEFORE any pixel is
 * decoded, so a decompression bomb costs nothing. ICC profiles and EXIF orientation are ignored, as the reference does; a file
 * whose data ends before its image does is refused (Pillow: "image file is truncated"), never returned half grey.
 *
 * <pre>{@code RgbImage img = new ImageDecoder().decode(bytes);   // or new ImageDecoder(maxPixels)}</pre>
 */
public final class ImageDecoder {
    /** Pillow's MAX_IMAGE_PIXELS (1024 * 1024 * 1024 / 4 / 3). */
    public static final long DEFAULT_MAX_PIXELS = 89_478_485L;

    public enum Format { JPEG, PNG, GIF, BMP, WEBP }

    private final long maxPixels;

    public ImageDecoder() {
        this(DEFAULT_MAX_PIXELS);
    }

    public ImageDecoder(long maxPixels) {
        if (maxPixels <= 0) {
            throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
        }
        this.maxPixels = maxPixels;
    }

    public static Format sniff(byte[] b) {
        if (b.length >= 3 && (b[0] & 0xff) == 0xFF && (b[1] & 0xff) == 0xD8 && (b[2] & 0xff) == 0xFF) {
            return Format.JPEG;
        }
        if (b.length >= 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
            return Format.PNG;
        }
        if (b.length >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8') {
            return Format.GIF;
        }
        if (b.length >= 2 && b[0] == 'B' && b[1] == 'M') {
            return Format.BMP;
        }
        if (b.length >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F'
                && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') {
            return Format.WEBP;
        }
        return null;
    }

    public RgbImage decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new ImageDecodeException("Empty image: 0 bytes");
        }
        Format format = sniff(bytes);
        if (format == null) {
            throw new ImageDecodeException("Not an image: unknown format (first bytes " + hex(bytes) + "), expected "
                    + "JPEG, PNG, GIF, BMP or WebP");
        }
        if (format == Format.JPEG) {
            return decodeJpeg(bytes);
        }
        if (format == Format.GIF) {
            return GifDecoder.decode(bytes, maxPixels);
        }
        if (format == Format.WEBP) {
            try {
                return decodeWebP(bytes);
            } catch (ImageDecodeException e) {
                throw e;
            } catch (RuntimeException e) {
                // a bitstream no check above foresaw must still be one bad row, never a failed task
                throw new ImageDecodeException("Corrupt WEBP image (" + bytes.length + " bytes): " + e, e);
            }
        }
        return read(format, bytes, bytes.length, reader -> toRgb(reader.read(0)));
    }

    /**
     * JPEG as Pillow (libjpeg) decodes it: the samples as stored, never converted through an embedded ICC profile
     * (the JDK's reader would apply it); 4-component files through Pillow's CMYK path, YCCK first turned into CMYK
     * as libjpeg does; a file that ends before its image (no EOI) refused, as Pillow refuses it, and so is an
     * arithmetic-coded file, which Pillow cannot decode.
     */
    private RgbImage decodeJpeg(byte[] bytes) {
        JpegMarkers.Header header = JpegMarkers.read(bytes);
        if (header.arithmetic()) {
            // the JDK's libjpeg decodes these, Pillow 9.4's fails ("broken data stream"): the reference never sees one
            throw new ImageDecodeException(String.format("Arithmetic-coded JPEG (SOF 0x%02X) is refused: Pillow, "
                    + "and so the reference model, cannot decode it (\"broken data stream\"); re-encode it with "
                    + "Huffman coding (jpegtran -optimize)", header.frameMarker()));
        }
        byte[] data = header.hasIcc() ? JpegMarkers.withoutIccProfile(bytes) : bytes;
        return read(Format.JPEG, data, bytes.length, reader -> {
            if (header.components() == 4) {
                Raster raw = reader.readRaster(0, null);
                boolean ycck = header.adobeTransform() == 2;
                return cmykToRgb(ycck ? LibjpegColor.ycckToCmyk(raw) : raw, header.adobe());
            }
            return toRgb(reader.read(0));
        });
    }

    /**
     * WebP as Pillow 9.4 reads it (through libwebp's animation decoder, RGBA, alpha then dropped): lossy frames by the
     * project's VP8 decoder ({@link Vp8Decoder}, bit-exact with libwebp, fancy upsampling included), lossless ones by
     * TwelveMonkeys' VP8L reader; an animation gives its first frame on a zeroed canvas, as libwebp composes it.
     */
    private RgbImage decodeWebP(byte[] bytes) {
        WebPContainer c = WebPContainer.parse(bytes);
        long w = c.canvasWidth();
        long h = c.canvasHeight();
        if (w * h > maxPixels) {
            throw new ImageDecodeException("WEBP image of " + w + "x" + h + " = " + (w * h) + " pixels exceeds the "
                    + "limit of " + maxPixels + " pixels (decompression bomb guard; raise maxPixels to allow it)");
        }
        if (!c.animated()) {
            if (c.lossy()) {
                Vp8Decoder.Yuv yuv = Vp8Decoder.decode(bytes, c.offset(), c.length());
                checkAlpha(bytes, c, yuv.width(), yuv.height());
                return new RgbImage(YuvToRgb.convert(yuv), yuv.width(), yuv.height());
            }
            return decodeVp8l(bytes, bytes.length);
        }
        RgbImage frame;
        if (c.lossy()) {
            Vp8Decoder.Yuv yuv = Vp8Decoder.decode(bytes, c.offset(), c.length());
            checkAlpha(bytes, c, yuv.width(), yuv.height());
            frame = new RgbImage(YuvToRgb.convert(yuv), yuv.width(), yuv.height());
        } else {
            byte[] single = simpleVp8l(bytes, c.offset(), c.length());
            frame = decodeVp8l(single, bytes.length);
        }
        // libwebp's animation decoder zero-fills the canvas for the first (key) frame and writes it unblended
        byte[] canvas = new byte[(int) (w * h * 3)];
        for (int y = 0; y < frame.height(); y++) {
            System.arraycopy(frame.rgb(), y * frame.width() * 3, canvas, (int) (((c.frameY() + y) * w + c.frameX())
                    * 3), frame.width() * 3);
        }
        return new RgbImage(canvas, (int) w, (int) h);
    }

    /**
     * How many bytes past the end TwelveMonkeys' VP8L reader asks for on a complete file (its bit reader refills
     * ahead; 13 to 32 measured on cwebp/img2webp/webpmux files). A cut file makes it ask for thousands.
     */
    static final int VP8L_READ_AHEAD = 64;

    /**
     * Lossless WebP through TwelveMonkeys' VP8L reader, which pads a cut bitstream with zeros rather than failing:
     * reads far past the end of the data are the truncation libwebp (and so Pillow) refuses. A cut within the last
     * few bytes can go unseen (the read-ahead hides it), where libwebp's exact bit count would catch it.
     */
    private RgbImage decodeVp8l(byte[] file, int fileBytes) {
        List<String> failures = new ArrayList<>();
        for (ImageReader reader : readers(Format.WEBP)) {
            EofTrackingInput in = new EofTrackingInput(file);
            try {
                reader.setInput(in, true, true);
                RgbImage img = toRgb(reader.read(0));
                if (in.bytesPastEnd() > VP8L_READ_AHEAD) {
                    throw new ImageDecodeException("Truncated lossless WebP (" + fileBytes + " bytes): the VP8L data "
                            + "ends before the image does (the reader asked for " + in.bytesPastEnd()
                            + " bytes past its end); "
                            + "Pillow refuses it too");
                }
                return img;
            } catch (ImageDecodeException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                failures.add(reader.getClass().getSimpleName() + ": " + e);
            } finally {
                reader.dispose();
            }
        }
        throw new ImageDecodeException("Corrupt lossless WebP (" + fileBytes + " bytes): " + String.join("; ",
                failures));
    }

    /**
     * The ALPH plane of a lossy frame is not part of the RGB result, but libwebp decodes it with the frame and a bad
     * one fails the whole image in Pillow; so it is checked: its header as libwebp's ALPHInit checks it, the raw
     * plane's size, and a lossless plane decoded (through the same VP8L reader, given a VP8L header of the frame size).
     */
    private void checkAlpha(byte[] bytes, WebPContainer c, int w, int h) {
        if (c.alphaOffset() < 0) {
            return;
        }
        if (c.alphaLength() < 1) {
            throw new ImageDecodeException("Corrupt WebP: empty ALPH chunk");
        }
        int head = bytes[c.alphaOffset()] & 0xff;
        int method = head & 3;
        int preprocessing = (head >> 4) & 3;
        if (method > 1 || preprocessing > 1 || (head >> 6) != 0) {
            throw new ImageDecodeException(String.format("Corrupt WebP: ALPH header 0x%02x (compression %d, "
                    + "pre-processing %d; allowed 0-1 each, reserved bits 0)", head, method, preprocessing));
        }
        int data = c.alphaLength() - 1;
        if (method == 0) {
            if (data < (long) w * h) {
                throw new ImageDecodeException("Corrupt WebP: raw ALPH plane of " + data + " bytes for " + w + "x" + h
                        + " pixels");
            }
            return;
        }
        byte[] stream = new byte[5 + data];
        int bits = (w - 1) | (h - 1) << 14;
        stream[0] = 0x2f;
        for (int i = 0; i < 4; i++) {
            stream[1 + i] = (byte) (bits >>> (8 * i));
        }
        System.arraycopy(bytes, c.alphaOffset() + 1, stream, 5, data);
        try {
            decodeVp8l(simpleVp8l(stream, 0, stream.length), bytes.length);
        } catch (ImageDecodeException e) {
            throw new ImageDecodeException("Corrupt WebP: its lossless ALPH plane does not decode (" + e.getMessage()
                    + "); Pillow, which decodes RGBA, refuses the file");
        }
    }

    /** A simple-format WebP file around one VP8L bitstream (for a reader that wants a whole file). */
    private static byte[] simpleVp8l(byte[] b, int off, int len) {
        int padded = len + (len & 1);
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(20 + padded).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        out.put("RIFF".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(12 + padded)
                .put("WEBPVP8L".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(len).put(b, off, len);
        return out.array();
    }

    private interface Decoding {
        RgbImage apply(ImageReader reader) throws IOException;
    }

    /**
     * Runs {@code decoding} with the JDK's reader of the format, then any plugin's, after checking the size from the
     * header against the pixel limit. A reader's warning that the data ended early is a failure, not a partial image.
     */
    private RgbImage read(Format format, byte[] bytes, int fileBytes, Decoding decoding) {
        List<String> failures = new ArrayList<>();
        for (ImageReader reader : readers(format)) {
            try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
                reader.setInput(in, true, true);
                List<String> truncation = new ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> {
                    if (isTruncationWarning(warning)) {
                        truncation.add(warning);
                    }
                });
                long w = reader.getWidth(0);
                long h = reader.getHeight(0);
                if (w <= 0 || h <= 0) {
                    throw new ImageDecodeException(format + " image has an invalid size " + w + "x" + h);
                }
                if (w * h > maxPixels) {
                    throw new ImageDecodeException(format + " image of " + w + "x" + h + " = " + (w * h)
                            + " pixels exceeds the limit of " + maxPixels + " pixels (decompression bomb guard; "
                            + "raise maxPixels to allow it)");
                }
                RgbImage img = decoding.apply(reader);
                if (!truncation.isEmpty()) {
                    throw new ImageDecodeException("Truncated " + format + " image (" + fileBytes + " bytes): the data "
                            + "ends before the image does (" + truncation.get(0) + "); Pillow refuses it too (\"image "
                            + "file is truncated\")");
                }
                return img;
            } catch (ImageDecodeException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                failures.add(reader.getClass().getSimpleName() + ": " + e);
            } finally {
                reader.dispose();
            }
        }
        throw new ImageDecodeException("Corrupt or truncated " + format + " image (" + fileBytes + " bytes): "
                + String.join("; ", failures));
    }

    /**
     * The JDK's JPEG reader does not fail on a cut file: it warns, and libjpeg pads the missing rows with grey.
     * These are its words for "the data ran out" (its own, and libjpeg's JWRN_JPEG_EOF and JWRN_HIT_MARKER).
     */
    static boolean isTruncationWarning(String warning) {
        String w = warning.toLowerCase(java.util.Locale.ROOT);
        return w.contains("missing eoi") || w.contains("premature end of jpeg file")
                || w.contains("premature end of data segment");
    }

    /** The JDK's own reader first (it hands back raw samples, as libjpeg does), then any plugin (CMYK, WebP). */
    private static List<ImageReader> readers(Format format) {
        List<ImageReader> jdk = new ArrayList<>();
        List<ImageReader> other = new ArrayList<>();
        Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(format.name().toLowerCase());
        while (it.hasNext()) {
            ImageReader r = it.next();
            (r.getClass().getName().startsWith("com.sun.imageio") ? jdk : other).add(r);
        }
        jdk.addAll(other);
        return jdk;
    }

    static RgbImage toRgb(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] out = new byte[w * h * 3];
        Raster raster = img.getRaster();
        int bands = raster.getNumBands();
        boolean sixteen = raster.getTransferType() == DataBuffer.TYPE_USHORT;
        int colorComponents = img.getColorModel().getColorSpace().getNumComponents();
        if (img.getColorModel() instanceof IndexColorModel icm) {
            int[] idx = raster.getSamples(0, 0, w, h, 0, (int[]) null);
            for (int i = 0; i < idx.length; i++) {
                out[i * 3] = (byte) icm.getRed(idx[i]);
                out[i * 3 + 1] = (byte) icm.getGreen(idx[i]);
                out[i * 3 + 2] = (byte) icm.getBlue(idx[i]);
            }
        } else if (colorComponents == 1 && bands >= 1) {
            int[] grey = raster.getSamples(0, 0, w, h, 0, (int[]) null);
            for (int i = 0; i < grey.length; i++) {
                // Pillow: 8-bit L replicates; 16-bit I;16 -> RGB clips at 255 rather than scaling
                int v = sixteen ? Math.min(grey[i], 255) : grey[i];
                out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = (byte) v;
            }
        } else if (colorComponents == 3 && bands >= 3 && raster.getSampleModel() instanceof SinglePixelPackedSampleModel
                && img.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_RGB) {
            // bit fields (BMP 5-6-5, 5-5-5, 8-8-8): Pillow's unpackers scale each field as v * 255 / max
            int[] bits = raster.getSampleModel().getSampleSize();
            for (int c = 0; c < 3; c++) {
                int max = (1 << bits[c]) - 1;
                int[] s = raster.getSamples(0, 0, w, h, c, (int[]) null);
                for (int i = 0; i < s.length; i++) {
                    out[i * 3 + c] = (byte) (s[i] * 255 / max);
                }
            }
        } else if (colorComponents == 3 && bands >= 3
                && img.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_RGB) {
            for (int c = 0; c < 3; c++) {
                int[] s = raster.getSamples(0, 0, w, h, c, (int[]) null);
                for (int i = 0; i < s.length; i++) {
                    out[i * 3 + c] = (byte) (sixteen ? s[i] >> 8 : s[i]);   // Pillow keeps the high byte
                }
            }
        } else {
            // other colour spaces (CMYK, YCCK): the plugin's conversion to RGB
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int argb = img.getRGB(x, y);
                    int p = (y * w + x) * 3;
                    out[p] = (byte) (argb >> 16);
                    out[p + 1] = (byte) (argb >> 8);
                    out[p + 2] = (byte) argb;
                }
            }
        }
        return new RgbImage(out, w, h);
    }

    /**
     * Pillow's CMYK -> RGB: Adobe-marked JPEGs store inverted CMYK (Pillow's "CMYK;I"); then per channel
     * nk - round(c * nk / 255) with nk = 255 - k, in Pillow's integer arithmetic.
     */
    static RgbImage cmykToRgb(Raster raster, boolean inverted) {
        int w = raster.getWidth();
        int h = raster.getHeight();
        byte[] out = new byte[w * h * 3];
        int[] px = new int[4];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                raster.getPixel(x, y, px);
                int k = inverted ? 255 - px[3] : px[3];
                int nk = 255 - k;
                for (int c = 0; c < 3; c++) {
                    int v = inverted ? 255 - px[c] : px[c];
                    int tmp = v * nk + 128;
                    int r = nk - (((tmp >> 8) + tmp) >> 8);
                    out[(y * w + x) * 3 + c] = (byte) Math.max(0, Math.min(255, r));
                }
            }
        }
        return new RgbImage(out, w, h);
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(8, b.length); i++) {
            s.append(String.format("%02x", b[i]));
        }
        return s.toString();
    }
}
