package ai.ofa.image;

/**
 * GIF's first frame as Pillow 9.4 shows it after {@code convert('RGB')}: the frame drawn on a canvas of the logical
 * screen's size (grown to hold the frame), the canvas first filled with the frame's transparent index or 0; colours
 * from the local table, else the global one, else grey; indices past the end of a table grey, as Pillow's palettes
 * are. Like Pillow, the frame is complete once its pixels are filled, so a file that stops just after that (no end
 * code, block terminator or trailer) decodes; an end code, a terminator or the end of the file before that is a
 * truncated image, an error.
 * The JDK's GIF reader fails on the first and places frames otherwise, hence a decoder of its own.
 *
 * <pre>{@code RgbImage img = GifDecoder.decode(bytes, ImageDecoder.DEFAULT_MAX_PIXELS);}</pre>
 */
final class GifDecoder {
    private static final int MAX_CODES = 4096;

    private GifDecoder() {
    }

    static RgbImage decode(byte[] b, long maxPixels) {
        Reader in = new Reader(b);
        in.skip(6);   // GIF87a / GIF89a, sniffed by the caller
        int screenW = in.u16();
        int screenH = in.u16();
        int flags = in.u8();
        in.skip(2);   // background index, aspect ratio
        byte[] global = (flags & 0x80) != 0 ? in.bytes(3 << ((flags & 7) + 1)) : null;
        int transparency = -1;
        while (true) {
            if (!in.more()) {
                throw new ImageDecodeException("GIF has no image: the file ends after " + b.length + " bytes "
                        + "without an image descriptor");
            }
            int tag = in.u8();
            if (tag == ';') {
                throw new ImageDecodeException("GIF has no image: its trailer comes before any image descriptor");
            }
            if (tag == '!') {
                int label = in.u8();
                byte[] first = in.subBlock();
                if (label == 0xF9 && first != null && first.length >= 4 && (first[0] & 1) != 0) {
                    transparency = first[3] & 0xff;   // graphic control extension: the frame's transparent index
                }
                while (first != null && in.subBlock() != null) {
                    // the rest of the extension's data is not needed
                }
            } else if (tag == ',') {
                return frame(in, screenW, screenH, global, transparency, maxPixels, b.length);
            }
            // any other byte between blocks is skipped, as Pillow does
        }
    }

    private static RgbImage frame(Reader in, int screenW, int screenH, byte[] global, int transparency,
                                  long maxPixels, int fileBytes) {
        int x0 = in.u16();
        int y0 = in.u16();
        int fw = in.u16();
        int fh = in.u16();
        int flags = in.u8();
        byte[] palette = (flags & 0x80) != 0 ? in.bytes(3 << ((flags & 7) + 1)) : global;
        boolean interlaced = (flags & 0x40) != 0;
        int w = Math.max(screenW, x0 + fw);
        int h = Math.max(screenH, y0 + fh);
        if (w <= 0 || h <= 0) {
            throw new ImageDecodeException("GIF image has an invalid size " + w + "x" + h);
        }
        if ((long) w * h > maxPixels) {
            throw new ImageDecodeException("GIF image of " + w + "x" + h + " = " + ((long) w * h) + " pixels exceeds "
                    + "the limit of " + maxPixels + " pixels (decompression bomb guard; raise maxPixels to allow it)");
        }
        byte[] index = new byte[w * h];
        if (transparency > 0) {
            java.util.Arrays.fill(index, (byte) transparency);
        }
        int minCodeSize = in.u8();
        if (minCodeSize < 1 || minCodeSize > 11) {
            throw new ImageDecodeException("Corrupt GIF image: LZW minimum code size " + minCodeSize
                    + " (allowed 1..11)");
        }
        lzw(in, minCodeSize, index, w, x0, y0, fw, fh, interlaced, fileBytes);
        byte[] rgb = new byte[w * h * 3];
        int entries = palette == null ? 0 : palette.length / 3;
        for (int i = 0; i < index.length; i++) {
            int v = index[i] & 0xff;
            if (v < entries) {
                rgb[3 * i] = palette[3 * v];
                rgb[3 * i + 1] = palette[3 * v + 1];
                rgb[3 * i + 2] = palette[3 * v + 2];
            } else {
                rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = (byte) v;
            }
        }
        return new RgbImage(rgb, w, h);
    }

    /** Decodes the frame's LZW stream into {@code index}; returns once every pixel of the frame is written. */
    private static void lzw(Reader in, int minCodeSize, byte[] index, int canvasW, int x0, int y0, int fw, int fh,
                            boolean interlaced, int fileBytes) {
        int clear = 1 << minCodeSize;
        int end = clear + 1;
        short[] prefix = new short[MAX_CODES];
        byte[] suffix = new byte[MAX_CODES];
        byte[] first = new byte[MAX_CODES];
        byte[] stack = new byte[MAX_CODES + 1];
        for (int c = 0; c < clear; c++) {
            suffix[c] = (byte) c;
            first[c] = (byte) c;
        }
        int codeSize = minCodeSize + 1;
        int next = clear + 2;
        int previous = -1;
        long pixels = (long) fw * fh;
        long written = 0;
        int x = 0;
        int row = 0;
        int pass = 0;
        int bitBuffer = 0;
        int bitCount = 0;
        byte[] block = new byte[0];
        int blockAt = 0;
        while (written < pixels) {
            while (bitCount < codeSize) {
                if (blockAt == block.length) {
                    block = in.subBlock();
                    blockAt = 0;
                    if (block == null) {
                        throw incomplete(written, pixels, "its data blocks end");
                    }
                    continue;
                }
                bitBuffer |= (block[blockAt++] & 0xff) << bitCount;
                bitCount += 8;
            }
            int code = bitBuffer & ((1 << codeSize) - 1);
            bitBuffer >>>= codeSize;
            bitCount -= codeSize;
            if (code == clear) {
                codeSize = minCodeSize + 1;
                next = clear + 2;
                previous = -1;
                continue;
            }
            if (code == end) {
                throw incomplete(written, pixels, "its end code comes");
            }
            int depth = 0;
            int walk;
            if (previous < 0) {
                if (code >= clear) {
                    throw new ImageDecodeException("Corrupt GIF image: LZW code " + code + " before any string");
                }
                walk = code;
            } else if (code < next) {
                walk = code;
            } else if (code == next) {   // the string just being defined: previous + its own first byte
                stack[depth++] = first[previous];
                walk = previous;
            } else {
                throw new ImageDecodeException("Corrupt GIF image: LZW code " + code + " beyond the table (" + next
                        + " entries)");
            }
            while (walk >= clear) {
                stack[depth++] = suffix[walk];
                walk = prefix[walk];
            }
            stack[depth++] = suffix[walk];
            if (previous >= 0 && next < MAX_CODES) {
                prefix[next] = (short) previous;
                suffix[next] = stack[depth - 1];   // the first byte of this code's string
                first[next] = first[previous];
                next++;
                if (next == (1 << codeSize) && codeSize < 12) {
                    codeSize++;
                }
            }
            previous = code;
            while (depth > 0 && written < pixels) {
                int y = interlaced ? interlacedRow(row, pass, fh) : row;
                index[(y0 + y) * canvasW + x0 + x] = stack[--depth];
                written++;
                if (++x == fw) {
                    x = 0;
                    row++;
                    if (interlaced) {
                        while (pass < 4 && interlacedRow(row, pass, fh) >= fh) {
                            pass++;
                            row = 0;
                        }
                    }
                }
            }
        }
    }

    private static ImageDecodeException incomplete(long written, long pixels, String what) {
        return new ImageDecodeException("Truncated GIF image: " + what + " after " + written + " of the frame's "
                + pixels + " pixels; Pillow refuses it too (\"image file is truncated\")");
    }

    /** Row {@code r} of interlace pass {@code pass} (rows 0, 8, ...; 4, 12, ...; 2, 6, ...; 1, 3, ...). */
    private static int interlacedRow(int r, int pass, int height) {
        return switch (pass) {
            case 0 -> r * 8;
            case 1 -> 4 + r * 8;
            case 2 -> 2 + r * 4;
            case 3 -> 1 + r * 2;
            default -> height;
        };
    }

    /** Bytes of the file, failing with "truncated" when they run out. */
    private static final class Reader {
        private final byte[] b;
        private int at;

        Reader(byte[] b) {
            this.b = b;
        }

        boolean more() {
            return at < b.length;
        }

        int u8() {
            need(1);
            return b[at++] & 0xff;
        }

        int u16() {
            need(2);
            int v = (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
            at += 2;
            return v;
        }

        void skip(int n) {
            need(n);
            at += n;
        }

        byte[] bytes(int n) {
            need(n);
            byte[] out = java.util.Arrays.copyOfRange(b, at, at + n);
            at += n;
            return out;
        }

        /** The next data sub-block, or null at a block terminator (length 0). */
        byte[] subBlock() {
            int n = u8();
            return n == 0 ? null : bytes(n);
        }

        private void need(int n) {
            if (at + n > b.length) {
                throw new ImageDecodeException("Truncated GIF image (" + b.length + " bytes): the data ends before "
                        + "the image does; Pillow refuses it too (\"image file is truncated\")");
            }
        }
    }
}
