package ai.ofa.jobs.evaluate.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The VQAv2 accuracy of one answer against the ten human answers, as the official evaluation computes it: for
 * each human answer left out in turn, min(1, matches among the other nine / 3), averaged over the ten. Answers
 * are normalised as the official code does (punctuation, number words to digits, articles dropped, common
 * contractions restored) when the humans did not all give the same answer.
 *
 * <pre>{@code double acc = VqaAccuracy.score("two", List.of("2", "2", "two", ...));}</pre>
 */
public final class VqaAccuracy {
    private static final List<String> PUNCT = List.of(";", "/", "[", "]", "\"", "{", "}", "(", ")", "=", "+", "\\",
            "_", "-", ">", "<", "@", "`", ",", "?", "!");
    /** The official pattern, "(?!<=\\d)(\\.)(?!\\d)", has a typo that makes it a lookahead: a period not before a digit. */
    private static final Pattern PERIOD = Pattern.compile("\\.(?!\\d)");
    private static final Pattern COMMA_IN_NUMBER = Pattern.compile("(\\d)(,)(\\d)");
    private static final Map<String, String> NUMBERS = Map.ofEntries(Map.entry("none", "0"), Map.entry("zero", "0"),
            Map.entry("one", "1"), Map.entry("two", "2"), Map.entry("three", "3"), Map.entry("four", "4"),
            Map.entry("five", "5"), Map.entry("six", "6"), Map.entry("seven", "7"), Map.entry("eight", "8"),
            Map.entry("nine", "9"), Map.entry("ten", "10"));
    private static final Set<String> ARTICLES = Set.of("a", "an", "the");
    /** The most frequent entries of the official contraction table (it restores the apostrophe). */
    private static final Map<String, String> CONTRACTIONS = Map.ofEntries(Map.entry("aint", "ain't"),
            Map.entry("arent", "aren't"), Map.entry("cant", "can't"), Map.entry("couldnt", "couldn't"),
            Map.entry("couldve", "could've"), Map.entry("didnt", "didn't"), Map.entry("doesnt", "doesn't"),
            Map.entry("dont", "don't"), Map.entry("hadnt", "hadn't"), Map.entry("hasnt", "hasn't"),
            Map.entry("havent", "haven't"), Map.entry("hes", "he's"), Map.entry("im", "i'm"), Map.entry("ive", "i've"),
            Map.entry("isnt", "isn't"), Map.entry("itd", "it'd"), Map.entry("itll", "it'll"), Map.entry("lets", "let's"),
            Map.entry("shes", "she's"), Map.entry("shouldnt", "shouldn't"), Map.entry("thats", "that's"),
            Map.entry("theres", "there's"), Map.entry("theyre", "they're"), Map.entry("theyve", "they've"),
            Map.entry("wasnt", "wasn't"), Map.entry("werent", "weren't"), Map.entry("whats", "what's"),
            Map.entry("wheres", "where's"), Map.entry("whos", "who's"), Map.entry("wont", "won't"),
            Map.entry("wouldnt", "wouldn't"), Map.entry("youre", "you're"), Map.entry("youve", "you've"));

    private VqaAccuracy() {
    }

    public static double score(String answer, List<String> humanAnswers) {
        if (humanAnswers.isEmpty()) {
            throw new IllegalArgumentException("a VQA question needs human answers");
        }
        String res = clean(answer == null ? "" : answer);
        List<String> gts = new ArrayList<>();
        for (String h : humanAnswers) {
            gts.add(clean(h));
        }
        if (Set.copyOf(gts).size() > 1) {
            res = normalize(res);
            gts.replaceAll(VqaAccuracy::normalize);
        }
        double total = 0;
        for (int i = 0; i < gts.size(); i++) {
            int matches = 0;
            for (int j = 0; j < gts.size(); j++) {
                if (j != i && gts.get(j).equals(res)) {
                    matches++;
                }
            }
            total += Math.min(1.0, matches / 3.0);
        }
        return total / gts.size();
    }

    private static String clean(String s) {
        return s.replace('\n', ' ').replace('\t', ' ').strip();
    }

    /** The official processPunctuation then processDigitArticle. */
    public static String normalize(String text) {
        String out = text;
        for (String p : PUNCT) {
            if (text.contains(p + " ") || text.contains(" " + p) || COMMA_IN_NUMBER.matcher(text).find()) {
                out = out.replace(p, "");
            } else {
                out = out.replace(p, " ");
            }
        }
        out = PERIOD.matcher(out).replaceAll("");
        List<String> words = new ArrayList<>();
        for (String w : out.toLowerCase(Locale.ROOT).split("\\s+")) {
            if (w.isEmpty()) {
                continue;
            }
            w = NUMBERS.getOrDefault(w, w);
            if (!ARTICLES.contains(w)) {
                words.add(CONTRACTIONS.getOrDefault(w, w));
            }
        }
        return String.join(" ", words);
    }
}
