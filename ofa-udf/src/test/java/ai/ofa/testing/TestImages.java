package ai.ofa.testing;

import java.nio.ByteBuffer;
import java.util.zip.CRC32;

/** Hand-made image bytes for bad-input tests. */
public final class TestImages {
    private TestImages() {
    }

    /** A PNG signature + IHDR chunk claiming w x h RGB pixels, and nothing else: a decompression bomb's header. */
    public static byte[] pngHeaderOnly(int w, int h) {
        ByteBuffer ihdr = ByteBuffer.allocate(17);
        ihdr.put("IHDR".getBytes()).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0)
                .put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        ByteBuffer b = ByteBuffer.allocate(8 + 4 + 17 + 4);
        b.put(new byte[]{(byte) 0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a});
        b.putInt(13).put(ihdr.array()).putInt((int) crc.getValue());
        return b.array();
    }
}
