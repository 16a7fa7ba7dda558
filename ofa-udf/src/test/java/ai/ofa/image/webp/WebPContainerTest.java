package ai.ofa.image.webp;

import ai.ofa.image.ImageDecodeException;
import ai.ofa.image.ImageDecoder;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Container and frame-header checks on crafted files (RealImageFilesTest compares the pixels with Pillow's). */
class WebPContainerTest {
    /** A simple-format lossy file: RIFF, a VP8 chunk with a key-frame header of w x h and {@code payload} bytes. */
    static byte[] vp8File(int w, int h, int partitionLength, int payload) {
        int chunk = 10 + payload;
        int padded = chunk + (chunk & 1);
        ByteBuffer b = ByteBuffer.allocate(20 + padded).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(12 + padded).put("WEBPVP8 ".getBytes()).putInt(chunk);
        int tag = (partitionLength << 5) | (1 << 4);   // key frame, profile 0, shown
        b.put((byte) tag).put((byte) (tag >> 8)).put((byte) (tag >> 16));
        b.put((byte) 0x9d).put((byte) 0x01).put((byte) 0x2a).putShort((short) w).putShort((short) h);
        return b.array();
    }

    private static String refusal(byte[] file) {
        return assertThrows(ImageDecodeException.class, () -> new ImageDecoder().decode(file)).getMessage();
    }

    @Test
    void sizeComesFromTheFrameHeader() {
        WebPContainer c = WebPContainer.parse(vp8File(517, 343, 4, 40));
        assertEquals(517, c.canvasWidth());
        assertEquals(343, c.canvasHeight());
        assertTrue(c.lossy() && !c.animated());
        assertEquals(20, c.offset());
    }

    @Test
    void decompressionBombIsRefusedBeforeDecoding() {
        String msg = refusal(vp8File(16000, 16000, 4, 40));
        assertTrue(msg.contains("16000x16000") && msg.contains("exceeds the limit"), msg);
    }

    @Test
    void truncationAndCorruptionAreNamed() {
        byte[] ok = vp8File(64, 64, 30, 200);
        byte[] unpadded = vp8File(64, 64, 30, 201);
        unpadded = java.util.Arrays.copyOf(unpadded, unpadded.length - 1);
        unpadded[4]--;
        String pad = refusal(unpadded);
        assertTrue(pad.contains("declares 211 bytes"), pad);
        String cut = refusal(java.util.Arrays.copyOf(ok, 100));
        assertTrue(cut.contains("Truncated WebP") && cut.contains("declares 230 bytes, the file has 100"), cut);
        String partition = refusal(vp8File(64, 64, 500, 200));
        assertTrue(partition.contains("first partition of 500 bytes"), partition);
        byte[] badCode = ok.clone();
        badCode[24] = 0;
        assertTrue(refusal(badCode).contains("bad start code"), refusal(badCode));
        byte[] interFrame = ok.clone();
        interFrame[20] |= 1;
        assertTrue(refusal(interFrame).contains("not a key frame"), refusal(interFrame));
        byte[] zero = vp8File(0, 64, 30, 200);
        assertTrue(refusal(zero).contains("invalid size 0x64"), refusal(zero));
        byte[] oddChunk = ok.clone();
        oddChunk[12] = 'X';
        assertTrue(refusal(oddChunk).contains("first chunk is 'XP8 '"), refusal(oddChunk));
    }

    @Test
    void allZeroPartitionsRunOutAsLibwebpReportsIt() {
        // a header that parses (all-zero partition 0 reads as zeros) but token data of 1 byte for 16 macroblocks
        String msg = refusal(vp8File(64, 64, 190, 191));
        assertTrue(msg.contains("truncated"), msg);
    }
}
