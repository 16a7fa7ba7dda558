package ai.ofa.image;

/** Reads what the decoder needs from a JPEG's marker segments without decoding it. */
final class JpegMarkers {
    private JpegMarkers() {
    }

    /** Number of colour components from the SOF segment, or -1 when none is found. */
    static int components(byte[] b) {
        int i = 2;
        while (i + 9 < b.length) {
            if ((b[i] & 0xff) != 0xFF) {
                return -1;
            }
            int marker = b[i + 1] & 0xff;
            if (marker == 0xFF) {
                i++;
                continue;
            }
            int len = ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof) {
                return b[i + 9] & 0xff;
            }
            if (marker == 0xDA || marker == 0xD9) {
                return -1;
            }
            i += 2 + len;
        }
        return -1;
    }

    /** Whether an Adobe APP14 segment is present (its CMYK is stored inverted). */
    static boolean hasAdobe(byte[] b) {
        int i = 2;
        while (i + 9 < b.length && (b[i] & 0xff) == 0xFF) {
            int marker = b[i + 1] & 0xff;
            int len = ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
            if (marker == 0xEE && b[i + 4] == 'A' && b[i + 5] == 'd' && b[i + 6] == 'o' && b[i + 7] == 'b'
                    && b[i + 8] == 'e') {
                return true;
            }
            if (marker == 0xDA) {
                return false;
            }
            i += 2 + len;
        }
        return false;
    }
}
