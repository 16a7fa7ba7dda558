package ai.ofa.jobs.corpus.audit;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The audit page from a model, without Spark: one bar per distance up to threshold + margin, coloured by which side
 * of the threshold it is, every sampled pair with both images and its distance, text escaped, and an honest line
 * where near misses were not looked for. CorpusJobTest renders a real job's page in Chromium.
 */
public class AuditPageTest {
    /** The near-miss colour, as the Chromium test looks for it. */
    public static final String NEAR = AuditPage.NEAR_COLOUR;

    private static AuditModel.Thumb thumb(String tag) {
        return new AuditModel.Thumb("data:image/jpeg;base64," + tag, 640, 480);
    }

    private static AuditModel model(int threshold, int margin) {
        TreeMap<Integer, Long> distances = new TreeMap<>();
        distances.put(0, 9L);
        distances.put(3, 1L);
        distances.put(threshold + 2, 4L);
        distances.put(threshold + margin + 5, 7L);   // outside the searched range: not drawn
        AuditModel.Pair removed = new AuditModel.Pair("coco:41", "coco", "karpathy", "9", 3, null,
                "a rocket <on> the \"pad\"", thumb("AAA"), thumb("BBB"));
        AuditModel.Pair text = new AuditModel.Pair("pile:1", "pile", null, null, null,
                "13-gram shared with an evaluation text", "story: a cat", null, null);
        AuditModel.Pair near = new AuditModel.Pair("cc3m:7", "cc3m", "karpathy", "12", threshold + 2, null, null,
                thumb("CCC"), thumb("DDD"));
        return new AuditModel("out/corpus", "pdq", 256, threshold, margin, 7,
                List.of(new AuditModel.Section("phash", "karpathy", 5, List.of(removed)),
                        new AuditModel.Section("text_ngram", null, 1, List.of(text))),
                margin == 0 ? List.of() : List.of(near), margin == 0 ? 0 : 4, distances);
    }

    @Test
    void barsCoverTheSearchedRangeColouredByTheThreshold() {
        String page = AuditPage.render(model(10, 4));
        Matcher m = Pattern.compile("<rect class=\"bar\" data-distance=\"(\\d+)\" data-pairs=\"(\\d+)\"[^>]*"
                + "fill=\"(#[0-9a-f]+)\"").matcher(page);
        StringBuilder seen = new StringBuilder();
        while (m.find()) {
            seen.append(m.group(1)).append(':').append(m.group(2)).append(':')
                    .append(m.group(3).equals(AuditPage.REMOVED_COLOUR) ? "removed" : m.group(3)
                            .equals(AuditPage.NEAR_COLOUR) ? "near" : m.group(3)).append(' ');
        }
        assertEquals("0:9:removed 3:1:removed 12:4:near ", seen.toString());
        assertTrue(page.contains("removed at a distance of at most <b>10</b> bits; near misses 11..14 bits"));
    }

    @Test
    void pairsShowBothImagesTheirDistanceAndEscapedText() {
        String page = AuditPage.render(model(10, 4));
        assertTrue(page.contains("phash / karpathy: 1 of 5"), "shown of total");
        int removed = page.indexOf("<div class=\"pair removed\" data-record=\"coco:41\">");
        int end = page.indexOf("</div>\n", removed);
        String card = page.substring(removed, end);
        assertTrue(card.indexOf("base64,AAA") < card.indexOf("base64,BBB"), "corpus image first, then evaluation");
        assertTrue(card.contains("<span class=\"dist\">3 bits</span>"));
        assertTrue(card.contains("a rocket &lt;on&gt; the &quot;pad&quot;"), card);
        assertTrue(card.contains("evaluation karpathy / 9 640x480"));
        assertTrue(page.contains("<div class=\"pair near\" data-record=\"cc3m:7\">"));
        assertTrue(page.contains("Near misses: the 1 closest of 4 pairs above the threshold"));
        String textCard = page.substring(page.indexOf("data-record=\"pile:1\""));
        assertTrue(textCard.startsWith("data-record=\"pile:1\"><div class=\"imgs\"><figure><div class=\"noimg\">"),
                textCard.substring(0, 120));
        assertTrue(page.contains("text_ngram / -: 1 of 1"));
        assertFalse(page.matches("(?s).*(src|href)=\"(https?:)?//.*"), "no network resource");
    }

    @Test
    void nearMissesNotLookedForSayWhy() {
        assertTrue(AuditPage.render(model(10, 0)).contains("Not looked for (the perceptual rule is off, or "
                + "audit.margin = 0)."));
        AuditModel off = new AuditModel("o", "pdq", 256, -1, 0, 0, List.of(), List.of(), 0, new TreeMap<>());
        String page = AuditPage.render(off);
        assertTrue(page.contains("perceptual rule off") && !page.contains("<svg"), "no histogram when off");
    }
}
