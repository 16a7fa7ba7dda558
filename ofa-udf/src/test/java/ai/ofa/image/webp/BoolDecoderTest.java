package ai.ofa.image.webp;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The boolean decoder against the boolean ENCODER of RFC 6386 section 7.3, written here from the RFC's text. */
class BoolDecoderTest {
    /** RFC 6386 7.3 bool_encoder, transcribed. */
    static final class RfcEncoder {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        int pos;
        long range = 255;
        long bottom;
        int bitCount = 24;

        private void addOne() {
            int i = pos - 1;
            while (i >= 0 && (buf[i] & 0xff) == 255) {
                buf[i] = 0;
                i--;
            }
            buf[i]++;
        }

        void write(int prob, int bit) {
            long split = 1 + (((range - 1) * prob) >> 8);
            if (bit != 0) {
                bottom += split;
                range -= split;
            } else {
                range = split;
            }
            while (range < 128) {
                range <<= 1;
                if ((bottom & (1L << 31)) != 0) {
                    addOne();
                }
                bottom = (bottom << 1) & 0xffffffffL;
                if (--bitCount == 0) {
                    buf[pos++] = (byte) (bottom >> 24);
                    bottom &= (1 << 24) - 1;
                    bitCount = 8;
                }
            }
        }

        byte[] flush() {
            int c = bitCount;
            long v = bottom;
            if ((v & (1L << (32 - c))) != 0) {
                addOne();
            }
            v <<= c & 7;
            c >>= 3;
            while (--c >= 0) {
                v <<= 8;
            }
            c = 4;
            while (--c >= 0) {
                buf[pos++] = (byte) (v >> 24);
                v = (v << 8) & 0xffffffffL;
            }
            return java.util.Arrays.copyOf(buf, pos);
        }
    }

    @Test
    void decodesWhatTheRfcEncoderWrote() {
        Random rnd = new Random(7);
        int n = 20000;
        int[] probs = new int[n];
        int[] bits = new int[n];
        RfcEncoder enc = new RfcEncoder();
        for (int i = 0; i < n; i++) {
            probs[i] = 1 + rnd.nextInt(255);
            // skewed bits, as real token data is, so long runs of renormalisation are exercised
            bits[i] = rnd.nextInt(256) >= probs[i] ? 1 : 0;
            enc.write(probs[i], bits[i]);
        }
        byte[] data = enc.flush();
        BoolDecoder dec = new BoolDecoder(data, 0, data.length);
        for (int i = 0; i < n; i++) {
            assertEquals(bits[i], dec.getBit(probs[i]), "bit " + i);
        }
        assertFalse(dec.eof(), "the decoder must not run out inside the encoded data");
    }

    @Test
    void signedCoefficientsAndLiteralsRoundTrip() {
        Random rnd = new Random(11);
        RfcEncoder enc = new RfcEncoder();
        int[] values = new int[3000];
        for (int i = 0; i < values.length; i++) {
            values[i] = rnd.nextInt(2048) - 1024;
            int mag = Math.abs(values[i]);
            for (int b = 10; b >= 0; b--) {
                enc.write(128, (mag >> b) & 1);
            }
            enc.write(128, values[i] < 0 ? 1 : 0);
        }
        byte[] data = enc.flush();
        BoolDecoder dec = new BoolDecoder(data, 0, data.length);
        for (int i = 0; i < values.length; i++) {
            int mag = dec.getValue(11);
            // the coefficient sign goes through libwebp's dedicated path; it must read the same even-odds bit
            assertEquals(values[i], dec.getSigned(mag), "value " + i);
        }
    }

    @Test
    void readingPastTheDataSetsEof() {
        byte[] data = {(byte) 0x9a, 0x31};
        BoolDecoder dec = new BoolDecoder(data, 0, data.length);
        for (int i = 0; i < 8; i++) {
            dec.getBit(128);
        }
        assertFalse(dec.eof(), "8 even-odds bits fit in 2 bytes");
        for (int i = 0; i < 64; i++) {
            dec.getBit(128);
        }
        assertTrue(dec.eof(), "64 more bits cannot come from 2 bytes");
    }
}
