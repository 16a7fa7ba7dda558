package ai.ofa.image.webp;

/**
 * The RIFF container of a WebP file (simple {@code VP8 }/{@code VP8L} or extended {@code VP8X}, with or without
 * {@code ANIM}/{@code ANMF} frames), read without decoding pixels: canvas size, where the first frame's bitstream is,
 * whether it is lossy or lossless, and its offset on the canvas. A file whose RIFF or chunk sizes run past its end is
 * refused as truncated: libwebp's demuxer, through which Pillow reads every WebP, refuses it too.
 *
 * <pre>{@code WebPContainer c = WebPContainer.parse(bytes); if (c.lossy()) { ... c.offset(), c.length() ... }}</pre>
 *
 * @param canvasWidth  the image size Pillow reports (the VP8X canvas, else the bitstream's)
 * @param canvasHeight see canvasWidth
 * @param lossy        the first frame is VP8 (else VP8L)
 * @param offset       start of the first frame's VP8/VP8L payload in the file
 * @param length       its length in bytes
 * @param frameX       the first frame's position on the canvas (non-zero only in animations)
 * @param frameY       see frameX
 * @param animated     the file holds an ANMF animation
 * @param alphaOffset  start of the first frame's ALPH payload (lossy frames with alpha), else -1
 * @param alphaLength  its length in bytes
 */
public record WebPContainer(int canvasWidth, int canvasHeight, boolean lossy, int offset, int length, int frameX,
                            int frameY, boolean animated, int alphaOffset, int alphaLength) {
    private static final int ANIMATION_FLAG = 0x02;
    private static final int ALPHA_FLAG = 0x10;
    /** Animation, XMP, EXIF, alpha, ICC: the VP8X flags libwebp accepts. */
    private static final int VALID_FLAGS = 0x02 | 0x04 | 0x08 | 0x10 | 0x20;

    private static int le32(byte[] b, int o) {
        return (b[o] & 0xff) | (b[o + 1] & 0xff) << 8 | (b[o + 2] & 0xff) << 16 | (b[o + 3] & 0xff) << 24;
    }

    private static int le24(byte[] b, int o) {
        return (b[o] & 0xff) | (b[o + 1] & 0xff) << 8 | (b[o + 2] & 0xff) << 16;
    }

    private static String fourcc(byte[] b, int o) {
        return new String(b, o, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    public static WebPContainer parse(byte[] b) {
        if (b.length < 12 || !fourcc(b, 0).equals("RIFF") || !fourcc(b, 8).equals("WEBP")) {
            throw new WebPException("Not a WebP file: no RIFF/WEBP header");
        }
        long riff = le32(b, 4) & 0xffffffffL;
        if (riff < 12) {
            throw new WebPException("Corrupt WebP: RIFF size " + riff + " is below the minimum of 12");
        }
        if (riff + 8 > b.length) {
            throw new WebPException("Truncated WebP: the RIFF header declares " + (riff + 8) + " bytes, the file has "
                    + b.length);
        }
        int end = (int) (riff + 8);
        int pos = 12;
        Chunk first = chunk(b, pos, end);
        switch (first.tag) {
            case "VP8 ", "VP8L" -> {
                int[] wh = bitstreamSize(b, first);
                checkRest(b, first.next, end);
                return new WebPContainer(wh[0], wh[1], first.tag.equals("VP8 "), first.data, first.size, 0, 0, false,
                        -1, 0);
            }
            case "VP8X" -> {
                if (first.size < 10) {
                    throw new WebPException("Corrupt WebP: VP8X chunk of " + first.size + " bytes (want 10)");
                }
                int flags = b[first.data] & 0xff;
                if ((flags & ~VALID_FLAGS) != 0) {
                    throw new WebPException(String.format("Corrupt WebP: VP8X flags 0x%02x set undefined bits", flags));
                }
                int cw = le24(b, first.data + 4) + 1;
                int ch = le24(b, first.data + 7) + 1;
                if ((long) cw * ch >= 1L << 32) {
                    throw new WebPException("Corrupt WebP: VP8X canvas " + cw + "x" + ch + " is too large");
                }
                boolean animated = (flags & ANIMATION_FLAG) != 0;
                WebPContainer found = null;
                boolean anim = false;
                Chunk alph = null;
                // every chunk is walked, as libwebp's demuxer does: one that runs past the RIFF end fails the file
                for (pos = first.next; pos < end; ) {
                    Chunk c = chunk(b, pos, end);
                    switch (c.tag) {
                        case "VP8X" -> throw new WebPException("Corrupt WebP: a second VP8X chunk at byte " + pos);
                        case "ANIM" -> {
                            if (c.size < 6) {
                                throw new WebPException("Corrupt WebP: ANIM chunk of " + c.size + " bytes (want 6)");
                            }
                            anim = true;
                        }
                        case "ANMF" -> {
                            if (!anim) {
                                throw new WebPException("Corrupt WebP: an ANMF frame before the ANIM chunk");
                            }
                            if (found == null && animated) {
                                found = firstFrame(b, c, cw, ch);
                            }
                        }
                        case "ALPH", "VP8 ", "VP8L" -> {
                            if (animated || anim) {
                                throw new WebPException("Corrupt WebP: a " + c.tag.trim() + " chunk outside the "
                                        + "frames of an animation");
                            }
                            if (found == null && c.tag.equals("ALPH") && alph == null) {
                                alph = c;
                            }
                            if (found == null && !c.tag.equals("ALPH")) {
                                int[] wh = bitstreamSize(b, c);
                                if (wh[0] != cw || wh[1] != ch) {
                                    throw new WebPException("Corrupt WebP: the VP8X canvas is " + cw + "x" + ch
                                            + " but the image is " + wh[0] + "x" + wh[1]);
                                }
                                // the demuxer drops an ALPH chunk that the VP8X flags do not announce
                                boolean alpha = alph != null && c.tag.equals("VP8 ") && (flags & ALPHA_FLAG) != 0;
                                found = new WebPContainer(cw, ch, c.tag.equals("VP8 "), c.data, c.size, 0, 0, false,
                                        alpha ? alph.data : -1, alpha ? alph.size : 0);
                            }
                        }
                        default -> {
                        }
                    }
                    pos = c.next;
                }
                if (found == null) {
                    throw new WebPException("Corrupt WebP: no " + (animated ? "ANMF frame" : "VP8/VP8L image")
                            + " chunk after VP8X");
                }
                return found;
            }
            default -> throw new WebPException("Corrupt WebP: first chunk is '" + first.tag
                    + "', expected VP8, VP8L or VP8X");
        }
    }

    private static WebPContainer firstFrame(byte[] b, Chunk anmf, int cw, int ch) {
        if (anmf.size < 16) {
            throw new WebPException("Corrupt WebP: ANMF chunk of " + anmf.size + " bytes (want >= 16)");
        }
        int fx = 2 * le24(b, anmf.data);
        int fy = 2 * le24(b, anmf.data + 3);
        int fw = le24(b, anmf.data + 6) + 1;
        int fh = le24(b, anmf.data + 9) + 1;
        if ((long) fw * fh >= 1L << 32) {
            throw new WebPException("Corrupt WebP: the first frame is declared " + fw + "x" + fh + ", too large");
        }
        int pos = anmf.data + 16;
        int end = anmf.data + anmf.size;
        Chunk alph = null;
        while (pos < end) {
            Chunk c = chunk(b, pos, end);
            if (c.tag.equals("ALPH") && alph == null) {
                alph = c;
            }
            if (c.tag.equals("VP8 ") || c.tag.equals("VP8L")) {
                // libwebp's demuxer takes the frame size from the bitstream, not from the ANMF header
                int[] wh = bitstreamSize(b, c);
                if (fx + wh[0] > cw || fy + wh[1] > ch) {
                    throw new WebPException("Corrupt WebP: the first frame " + wh[0] + "x" + wh[1] + " at (" + fx
                            + ", " + fy + ") does not fit the " + cw + "x" + ch + " canvas");
                }
                boolean alpha = alph != null && c.tag.equals("VP8 ");
                return new WebPContainer(cw, ch, c.tag.equals("VP8 "), c.data, c.size, fx, fy, true,
                        alpha ? alph.data : -1, alpha ? alph.size : 0);
            }
            pos = c.next;
        }
        throw new WebPException("Corrupt WebP: the first ANMF frame holds no VP8/VP8L image");
    }

    /**
     * The chunks after a simple file's image: libwebp's demuxer reads on while 8 or more bytes remain and fails on a
     * chunk that runs past the RIFF end; an unknown chunk ends its reading.
     */
    private static void checkRest(byte[] b, int pos, int end) {
        while (end - pos >= 8) {
            Chunk c = chunk(b, pos, end);
            if (!c.tag.equals("VP8 ") && !c.tag.equals("VP8L") && !c.tag.equals("ALPH")) {
                return;
            }
            pos = c.next;
        }
    }

    private static int[] bitstreamSize(byte[] b, Chunk c) {
        if (c.tag.equals("VP8 ")) {
            return Vp8Decoder.size(b, c.data, c.size);
        }
        if (c.size < 5 || (b[c.data] & 0xff) != 0x2f) {
            throw new WebPException("Corrupt WebP: VP8L chunk without its 0x2f signature");
        }
        int bits = le32(b, c.data + 1);
        if ((bits >>> 29) != 0) {
            throw new WebPException("Corrupt WebP: VP8L version " + (bits >>> 29) + " (only 0 is defined)");
        }
        return new int[]{(bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1};
    }

    private record Chunk(String tag, int data, int size, int next) {
    }

    private static Chunk chunk(byte[] b, int pos, int end) {
        if (pos + 8 > end) {
            throw new WebPException("Truncated WebP: a chunk header at byte " + pos + " runs past the end (" + end
                    + " bytes)");
        }
        String tag = fourcc(b, pos);
        long size = le32(b, pos + 4) & 0xffffffffL;
        if (pos + 8 + size + (size & 1) > end) {
            throw new WebPException("Truncated WebP: chunk '" + tag.trim() + "' at byte " + pos + " declares " + size
                    + " bytes, only " + (end - pos - 8) + " remain");
        }
        long next = pos + 8 + size + (size & 1);
        return new Chunk(tag, pos + 8, (int) size, (int) Math.min(next, end));
    }
}
