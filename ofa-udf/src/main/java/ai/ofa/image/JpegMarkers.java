package ai.ofa.image;

import java.io.ByteArrayOutputStream;

/**
 * What the decoder needs from a JPEG's marker segments, read without decoding it: the component count, the Adobe
 * colour transform, and a copy of the file without its embedded ICC profile.
 *
 * <pre>{@code JpegMarkers.Header h = JpegMarkers.read(bytes);  // h.components(), h.adobeTransform(), h.hasIcc()}</pre>
 */
final class JpegMarkers {
    /** No Adobe APP14 segment. */
    static final int NO_ADOBE = -1;

    private static final byte[] ICC_ID = "ICC_PROFILE\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * @param components     colour components of the frame (SOF), or -1 when no frame header was found
     * @param adobeTransform the Adobe segment's transform (0 none, 1 YCbCr, 2 YCCK), or {@link #NO_ADOBE}
     * @param hasIcc         whether an APP2 ICC_PROFILE segment precedes the first scan
     * @param frameMarker    the SOF marker (0xC0 baseline, 0xC2 progressive, 0xC9 arithmetic...), or -1
     */
    record Header(int components, int adobeTransform, boolean hasIcc, int frameMarker) {
        boolean adobe() {
            return adobeTransform != NO_ADOBE;
        }

        /** SOF9-11, 13-15: arithmetic entropy coding. */
        boolean arithmetic() {
            return frameMarker >= 0xC9 && frameMarker != 0xCC;
        }
    }

    private JpegMarkers() {
    }

    /** The header segments up to the first scan (SOS); tolerant of fill bytes, stops at anything malformed. */
    static Header read(byte[] b) {
        int components = -1;
        int frame = -1;
        int adobe = NO_ADOBE;
        boolean icc = false;
        int i = 2;
        while (i + 3 < b.length && (b[i] & 0xff) == 0xFF) {
            int marker = b[i + 1] & 0xff;
            if (marker == 0xFF) {   // fill byte
                i++;
                continue;
            }
            if (marker == 0xDA || marker == 0xD9) {
                break;
            }
            int len = segmentLength(b, i);
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof && i + 9 < b.length) {
                components = b[i + 9] & 0xff;
                frame = marker;
            } else if (marker == 0xEE && len >= 12 && i + 15 < b.length && startsWith(b, i + 4, "Adobe".getBytes())) {
                adobe = b[i + 15] & 0xff;
            } else if (isIcc(b, i, marker, len)) {
                icc = true;
            }
            i += 2 + len;
        }
        return new Header(components, adobe, icc, frame);
    }

    /**
     * The same file without its APP2 ICC_PROFILE segments. Pillow ({@code convert('RGB')}) and libjpeg leave the
     * samples as stored and ignore the profile; the JDK's reader would convert them to sRGB through it.
     */
    static byte[] withoutIccProfile(byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length);
        out.write(b, 0, 2);
        int i = 2;
        while (i + 3 < b.length && (b[i] & 0xff) == 0xFF) {
            int marker = b[i + 1] & 0xff;
            if (marker == 0xFF) {
                out.write(0xFF);
                i++;
                continue;
            }
            if (marker == 0xDA || marker == 0xD9) {
                break;
            }
            int len = segmentLength(b, i);
            int end = Math.min(b.length, i + 2 + len);
            if (!isIcc(b, i, marker, len)) {
                out.write(b, i, end - i);
            }
            i = end;
        }
        out.write(b, i, b.length - i);   // the scans and everything after them, untouched
        return out.toByteArray();
    }

    private static boolean isIcc(byte[] b, int i, int marker, int len) {
        return marker == 0xE2 && len >= 2 + ICC_ID.length && startsWith(b, i + 4, ICC_ID);
    }

    private static int segmentLength(byte[] b, int i) {
        return ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
    }

    private static boolean startsWith(byte[] b, int at, byte[] prefix) {
        if (at + prefix.length > b.length) {
            return false;
        }
        for (int k = 0; k < prefix.length; k++) {
            if (b[at + k] != prefix[k]) {
                return false;
            }
        }
        return true;
    }
}
