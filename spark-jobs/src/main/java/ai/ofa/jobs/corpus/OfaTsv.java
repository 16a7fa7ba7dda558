package ai.ofa.jobs.corpus;

import java.util.Base64;

/**
 * OFA's training TSV rows, in the reference loader's column order: vision-language
 * (uniq_id, image, caption, question, refs, gt_objects, dataset_name, type), detection (uniq_id, image, boxes),
 * image (uniq_id, 256x256 image, codes) and text (uniq_id, text). Images are
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

    /**
     * Image infilling: uniq_id, the image at 256x256 (resized with Pillow's bicubic filter, as a JPEG of quality
     * 95), its VQGAN codes (space-separated).
     */
    public static String image(String id, byte[] image, String codes) {
        ai.ofa.image.RgbImage rgb = DECODER.decode(image);
        // the pixels whose middle the codes describe when the job computes them (ImageCoding.middleCodes)
        byte[] px = rgb.width() == INFILL_SIZE && rgb.height() == INFILL_SIZE ? rgb.rgb()
                : ai.ofa.task.ImageCoding.resized(rgb).rgb();
        return String.join("\t", clean(id), Base64.getEncoder().encodeToString(
                ai.ofa.jobs.Jpeg.encode(px, INFILL_SIZE, INFILL_SIZE, 0.95f)), clean(codes));
    }

    static final int INFILL_SIZE = 256;
    private static final ai.ofa.image.ImageDecoder DECODER = new ai.ofa.image.ImageDecoder();

    public static String text(String id, String text) {
        return clean(id) + "\t" + clean(text);
    }

    static String clean(String s) {
        return s == null ? "" : s.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }
}
