package ai.ofa.image;

import javax.imageio.stream.ImageInputStreamImpl;

/**
 * An image input stream over a byte array that records whether a reader asked for bytes past the end. Readers that
 * pad a short bitstream with zeros instead of failing (TwelveMonkeys' VP8L) are caught by it: a complete file is read
 * to its last byte and never beyond, so a read past the end means the data ended before the image did.
 *
 * <pre>{@code EofTrackingInput in = new EofTrackingInput(bytes); reader.setInput(in); ...; in.readPastEnd()}</pre>
 */
final class EofTrackingInput extends ImageInputStreamImpl {
    private final byte[] data;
    private long pastEnd;

    EofTrackingInput(byte[] data) {
        this.data = data;
    }

    /** How many bytes were asked for beyond the end, over all reads. */
    long bytesPastEnd() {
        return pastEnd;
    }

    @Override
    public int read() {
        bitOffset = 0;
        if (streamPos >= data.length) {
            pastEnd++;
            return -1;
        }
        return data[(int) streamPos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        bitOffset = 0;
        if (len == 0) {
            return 0;
        }
        long left = data.length - streamPos;
        if (left < len) {
            pastEnd += len - Math.max(left, 0);
        }
        if (left <= 0) {
            return -1;
        }
        int n = (int) Math.min(len, left);
        System.arraycopy(data, (int) streamPos, b, off, n);
        streamPos += n;
        return n;
    }

    @Override
    public long length() {
        return data.length;
    }
}
