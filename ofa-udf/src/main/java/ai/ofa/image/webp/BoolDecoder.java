package ai.ofa.image.webp;

/**
 * The VP8 boolean entropy decoder (RFC 6386 section 7) with libwebp's bookkeeping of the end of data: reading past
 * the last byte first feeds one zero byte and marks {@link #eof()}, which the frame decoder turns into a "truncated"
 * error exactly where libwebp does ("Premature end-of-file encountered").
 *
 * <pre>{@code BoolDecoder br = new BoolDecoder(data, offset, length); int bit = br.getBit(128);}</pre>
 */
final class BoolDecoder {
    private final byte[] buf;
    private int pos;
    private final int end;
    /** The undecoded bits; the top {@code bits + 8} of them are in use. */
    private long value;
    /** The current range minus one, in [126, 254] between calls. */
    private int range = 255 - 1;
    /** How many bits below the 8-bit decoding window are loaded; negative when a load is due. */
    private int bits = -8;
    private boolean eof;

    BoolDecoder(byte[] buf, int offset, int length) {
        this.buf = buf;
        this.pos = offset;
        this.end = offset + length;
        load();
    }

    boolean eof() {
        return eof;
    }

    private void load() {
        if (pos + 7 <= end) {
            // seven bytes at once, as libwebp's 56-bit loads: the same bits, fewer branches
            long v = 0;
            for (int i = 0; i < 7; i++) {
                v = (v << 8) | (buf[pos + i] & 0xff);
            }
            pos += 7;
            value = (value << 56) | v;
            bits += 56;
        } else if (pos < end) {
            value = (value << 8) | (buf[pos++] & 0xff);
            bits += 8;
        } else if (!eof) {
            value <<= 8;
            bits += 8;
            eof = true;
        } else {
            bits = 0;
        }
    }

    int getBit(int prob) {
        int r = range;
        if (bits < 0) {
            load();
        }
        int p = bits;
        int split = (r * prob) >>> 8;
        int v = (int) (value >>> p);
        int bit;
        if (v > split) {
            r -= split;
            value -= (long) (split + 1) << p;
            bit = 1;
        } else {
            r = split + 1;
            bit = 0;
        }
        int shift = 7 ^ (31 - Integer.numberOfLeadingZeros(r));
        r <<= shift;
        bits -= shift;
        range = r - 1;
        return bit;
    }

    int getValue(int n) {
        int v = 0;
        while (n-- > 0) {
            v |= getBit(0x80) << n;
        }
        return v;
    }

    int getSignedValue(int n) {
        int v = getValue(n);
        return getBit(0x80) == 1 ? -v : v;
    }

    /** The sign of a coefficient, as libwebp reads it (one bit at even odds, a fixed one-bit renormalisation). */
    int getSigned(int v) {
        if (bits < 0) {
            load();
        }
        int p = bits;
        int split = range >>> 1;
        int val = (int) (value >>> p);
        int mask = (split - val) >> 31;
        bits -= 1;
        range += mask;
        range |= 1;
        value -= (long) ((split + 1) & mask) << p;
        return (v ^ mask) - mask;
    }
}
