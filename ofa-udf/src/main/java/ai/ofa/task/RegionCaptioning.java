package ai.ofa.task;

import ai.ofa.generate.Constraint;
import ai.ofa.model.OfaModel;
import ai.ofa.text.TextNormalizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Grounded captioning: box (pixels) -> text. The box becomes 4 location bins in the prompt
 * {@code " what does the region describe? region: <bin_a><bin_b><bin_c><bin_d>"}; decoding as captioning.
 */
public final class RegionCaptioning {
    private final OfaModel model;
    private final ai.ofa.generate.SearchSettings settings;

    public RegionCaptioning(OfaModel model) {
        this(model, Captioning.DEFAULTS);
    }

    public RegionCaptioning(OfaModel model, ai.ofa.generate.SearchSettings settings) {
        this.model = model;
        this.settings = settings;
    }

    public List<Outcome<OfaResult>> run(List<byte[]> images, List<Box> boxes) {
        if (images.size() != boxes.size()) {
            throw new IllegalArgumentException("Region captioning needs one box per image");
        }
        int size = model.modelPackage().image().resolutionFor("region_caption");
        BoxQuantizer q = new BoxQuantizer(model.modelPackage().vocabulary().numBins(),
                model.modelPackage().image().maxImageSize());
        List<Outcome<OfaResult>> out = new ArrayList<>();
        List<Prepared> items = new ArrayList<>();
        List<Prepared> decoded = TaskSupport.prepare(model, images, i -> "", out);
        for (Prepared p : decoded) {
            Box b = boxes.get(p.index());
            if (b == null || b.x1() <= b.x0() || b.y1() <= b.y0()) {
                out.set(p.index(), Outcome.failed("item " + p.index() + ": box " + b
                        + " must have x1 > x0 and y1 > y0"));
                continue;
            }
            int[] bins = q.toBins(b, size, p.image().width(), p.image().height());
            String prompt = " what does the region describe? region: <bin_" + bins[0] + "><bin_" + bins[1]
                    + "><bin_" + bins[2] + "><bin_" + bins[3] + ">";
            items.add(new Prepared(p.index(), p.image(), model.tokenizer().encode(prompt)));
        }
        TaskSupport.generate(model, items, size, settings, Constraint.NONE,
                (p, h) -> OfaResult.ofText(TextNormalizer.stripPunctuation(TaskSupport.text(model, h)), h.tokens(),
                        h.tokenLogprobs(), h.score()), out);
        return out;
    }
}
