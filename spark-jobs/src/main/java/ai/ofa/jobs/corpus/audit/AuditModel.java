package ai.ofa.jobs.corpus.audit;

import java.util.List;
import java.util.SortedMap;

/**
 * What the leakage audit page shows, collected by {@link LeakageAudit} and rendered by {@link AuditPage}: for each
 * rule and evaluation set a seeded sample of its removals, the near misses (pairs a little above the perceptual
 * threshold, kept in the corpus), and the distances of every pair the perceptual join found.
 *
 * @param hash         the perceptual hash ({@code pdq} or {@code phash64}) and its width in bits
 * @param threshold    the leakage threshold in bits ({@code phash.max_distance}; negative: the rule is off)
 * @param margin       how far above it near misses were looked for ({@code audit.margin})
 * @param distances    distance -> pairs (a corpus record and an evaluation item) at that distance, up to
 *                     threshold + margin
 */
public record AuditModel(String output, String hash, int hashBits, int threshold, int margin, long seed,
                         List<Section> sections, List<Pair> nearMisses, long nearMissTotal,
                         SortedMap<Integer, Long> distances) {
    /** The removals of one rule from one evaluation set ({@code evalSet} null for text n-grams and unreadable files). */
    public record Section(String rule, String evalSet, long total, List<Pair> sample) {
    }

    /**
     * A corpus record and the evaluation item it matched. Thumbnails are data URIs, null where there is no image (a
     * text rule) or it could not be decoded; {@code text} is the record's caption, question or document.
     */
    public record Pair(String recordId, String source, String evalSet, String evalItem, Integer distance,
                       String detail, String text, Thumb corpusImage, Thumb evalImage) {
    }

    /** A thumbnail as a data URI, with the size of the image it was made from. */
    public record Thumb(String dataUri, int width, int height) {
    }
}
