package ai.ofa.text;

import java.util.Locale;

/**
 * OFA's data-side normalisation of captions, questions and referring expressions: lowercase, strip leading
 * {@code ,.!?*#:;~}, turn {@code -} and {@code /} into spaces, collapse whitespace, keep at most N words.
 *
 * <pre>{@code TextNormalizer.normalize("  The Man-in/Black!", 20)   // "the man in black!"}</pre>
 */
public final class TextNormalizer {
    private TextNormalizer() {
    }

    public static String normalize(String text, int maxWords) {
        String s = text.toLowerCase(Locale.ROOT).replace("<person>", "person");
        int start = 0;
        while (start < s.length() && ",.!?*#:;~".indexOf(s.charAt(start)) >= 0) {
            start++;
        }
        s = s.substring(start).replace('-', ' ').replace('/', ' ');
        s = s.trim().replaceAll("\\s{2,}", " ");
        if (maxWords > 0) {
            String[] words = s.isEmpty() ? new String[0] : s.split(" ");
            if (words.length > maxWords) {
                s = String.join(" ", java.util.Arrays.copyOf(words, maxWords));
            }
        }
        return s;
    }

    /** Caption post-processing of the reference: punctuation removed, whitespace collapsed. */
    public static String stripPunctuation(String text) {
        return text.replaceAll("\\p{Punct}", "").trim().replaceAll("\\s{2,}", " ");
    }
}
