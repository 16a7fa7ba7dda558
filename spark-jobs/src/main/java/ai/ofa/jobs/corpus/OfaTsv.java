package ai.ofa.jobs.corpus;

import java.util.Base64;

/**
 * OFA's training TSV rows, in the reference loader's column order: vision-language
 * (uniq_id, image, caption, question, refs, gt_objects, dataset_name, type), detection (uniq_id, image, boxes) and
 * text (uniq_id, text). Images are
 * base64 (standard alphabet); tabs and newlines inside texts become spaces, since they would split columns.
 *
 * <pre>{@code String line = OfaTsv.visionLanguage("coco:1", jpeg, "a cat", "", "", "", "coco", "caption");}</pre>
 */
public final class OfaTsv {
    private OfaTsv() {
    }

    public static String visionLanguage(String id, byte[] image, String caption, String question, String refs,
                                        String gtObjects, String dataset, String type) {
        return String.join("\t", clean(id), Base64.getEncoder().encodeToString(image), clean(caption),
                clean(question), clean(refs), clean(gtObjects), clean(dataset), clean(type));
    }

    /** Detection: uniq_id, image, {@code x0,y0,x1,y1,cat_id,cat_name&&...}. */
    public static String detection(String id, byte[] image, String boxes) {
        return String.join("\t", clean(id), Base64.getEncoder().encodeToString(image), clean(boxes));
    }

    public static String text(String id, String text) {
        return clean(id) + "\t" + clean(text);
    }

    static String clean(String s) {
        return s == null ? "" : s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }
}
