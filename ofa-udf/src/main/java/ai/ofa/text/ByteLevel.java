package ai.ofa.text;

import java.util.HashMap;
import java.util.Map;

/** GPT-2's reversible map between the 256 byte values and printable characters (so BPE never sees raw bytes). */
final class ByteLevel {
    private ByteLevel() {
    }

    static char[] byteToChar() {
        char[] map = new char[256];
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char) b : (char) (256 + extra++);
        }
        return map;
    }

    static Map<Character, Integer> charToByte() {
        char[] forward = byteToChar();
        Map<Character, Integer> back = new HashMap<>();
        for (int b = 0; b < 256; b++) {
            back.put(forward[b], b);
        }
        return back;
    }
}
