package ai.ofa.jobs.corpus.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text leakage by long shared n-grams (13 tokens by default, as GPT-3's and OFA's decontamination): texts are
 * lower-cased word tokens (letters and digits), each run of n tokens is hashed to 64 bits, and a corpus text that
 * shares any hash with the evaluation texts has leaked. It is either dropped, or cut: the leaked spans removed and
 * the pieces between them kept when long enough.
 *
 * <pre>{@code
 * Set<Long> eval = NGramLeakage.hashes(evalCaptions, 13);
 * NGramLeakage.Cut c = NGramLeakage.cut(text, eval, 13, 3);   // c.leaked(), c.pieces()
 * }</pre>
 */
public final class NGramLeakage {
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");

    /** What cutting left: whether anything leaked, and the text pieces between leaked spans. */
    public record Cut(boolean leaked, List<String> pieces) {
    }

    private NGramLeakage() {
    }

    public static List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        if (text == null) {
            return out;
        }
        Matcher m = WORD.matcher(text.toLowerCase(Locale.ROOT));
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /** 64-bit FNV-1a over the n tokens' UTF-8 bytes, a 0xff byte between tokens (no token contains it). */
    static long hash(List<String> tokens, int from, int n) {
        long h = 0xcbf29ce484222325L;
        for (int i = from; i < from + n; i++) {
            for (byte b : tokens.get(i).getBytes(StandardCharsets.UTF_8)) {
                h ^= b & 0xff;
                h *= 0x100000001b3L;
            }
            h ^= 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** The n-gram hashes of one text (none when it has fewer than n tokens). */
    public static long[] hashes(String text, int n) {
        List<String> t = tokens(text);
        long[] out = new long[Math.max(0, t.size() - n + 1)];
        for (int i = 0; i < out.length; i++) {
            out[i] = hash(t, i, n);
        }
        return out;
    }

    public static Set<Long> hashes(Iterable<String> texts, int n) {
        Set<Long> out = new java.util.HashSet<>();
        for (String s : texts) {
            for (long h : hashes(s, n)) {
                out.add(h);
            }
        }
        return out;
    }

    public static boolean leaks(String text, Set<Long> evalHashes, int n) {
        for (long h : hashes(text, n)) {
            if (evalHashes.contains(h)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Removes every token covered by a leaked n-gram; the runs of tokens left between them become pieces, kept
     * when they have at least {@code minPieceTokens} tokens (joined with single spaces).
     */
    public static Cut cut(String text, Set<Long> evalHashes, int n, int minPieceTokens) {
        List<String> t = tokens(text);
        boolean[] covered = new boolean[t.size()];
        boolean leaked = false;
        for (int i = 0; i + n <= t.size(); i++) {
            if (evalHashes.contains(hash(t, i, n))) {
                leaked = true;
                for (int j = i; j < i + n; j++) {
                    covered[j] = true;
                }
            }
        }
        List<String> pieces = new ArrayList<>();
        if (!leaked) {
            pieces.add(String.join(" ", t));
            return new Cut(false, pieces);
        }
        List<String> run = new ArrayList<>();
        for (int i = 0; i <= t.size(); i++) {
            if (i == t.size() || covered[i]) {
                if (run.size() >= minPieceTokens) {
                    pieces.add(String.join(" ", run));
                }
                run.clear();
            } else {
                run.add(t.get(i));
            }
        }
        return new Cut(true, pieces);
    }
}
