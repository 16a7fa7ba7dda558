package ai.ofa.jobs.evaluate.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The COCO caption evaluation's tokenisation: PTB-style tokens, lower-cased, punctuation tokens removed
 * (the set the COCO caption toolkit drops after its PTB tokenizer). Clitics split as PTB does ("don't" -> "do n't",
 * "man's" -> "man 's"); hyphenated words and decimals stay one token.
 *
 * <pre>{@code CaptionTokenizer.tokenize("A man's dog, running!")  // [a, man, 's, dog, running]}</pre>
 */
public final class CaptionTokenizer {
    private static final Pattern TOKEN = Pattern.compile(
            "[\\p{L}\\p{N}]+(?:[-'.][\\p{L}\\p{N}]+)*'?|\\.\\.\\.|--|[^\\s\\p{L}\\p{N}]");
    private static final Set<String> PUNCTUATION = Set.of("''", "'", "``", "`", "-lrb-", "-rrb-", "-lcb-", "-rcb-",
            ".", "?", "!", ",", ":", "-", "--", "...", ";", "(", ")", "[", "]", "{", "}", "\"");
    private static final Pattern CLITIC = Pattern.compile("(.+?)(n't|'s|'re|'ve|'ll|'d|'m)$");

    private CaptionTokenizer() {
    }

    public static List<String> tokenize(String text) {
        List<String> out = new ArrayList<>();
        if (text == null) {
            return out;
        }
        Matcher m = TOKEN.matcher(text.toLowerCase(Locale.ROOT).replace('\n', ' ').replace('\t', ' '));
        while (m.find()) {
            String t = m.group();
            if (t.length() > 1 && t.endsWith("'")) {   // trailing apostrophe (plural possessive): its own token
                add(out, t.substring(0, t.length() - 1));
                continue;
            }
            if (t.endsWith(".") && t.length() > 1 && !t.equals("...")) {
                t = t.substring(0, t.length() - 1);
            }
            Matcher c = CLITIC.matcher(t);
            if (c.matches()) {
                add(out, c.group(1));
                add(out, c.group(2));
            } else {
                add(out, t);
            }
        }
        return out;
    }

    private static void add(List<String> out, String t) {
        if (!t.isEmpty() && !PUNCTUATION.contains(t)) {
            out.add(t);
        }
    }
}
