package ai.ofa.task;

import ai.ofa.generate.Constraint;
import ai.ofa.generate.Hypothesis;
import ai.ofa.generate.SearchSettings;
import ai.ofa.model.OfaModel;
import ai.ofa.model.VocabularyLayout;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Object detection: prompt {@code " what are the objects in the image?"} at the detection resolution; the output
 * is groups of 4 location bins followed by the label's pieces, until eos. Each group becomes a {@link Detection}
 * (box in pixels, score = mean log-prob of the group's tokens); a trailing incomplete group is dropped.
 */
public final class DetectionTask {
    public static final String PROMPT = " what are the objects in the image?";
    public static final SearchSettings DEFAULTS = SearchSettings.beam(5).withMaxLen(128);

    private final OfaModel model;
    private final SearchSettings settings;

    public DetectionTask(OfaModel model) {
        this(model, DEFAULTS);
    }

    public DetectionTask(OfaModel model, SearchSettings settings) {
        this.model = model;
        this.settings = settings;
    }

    public List<Outcome<OfaResult>> run(List<byte[]> images) {
        int size = model.modelPackage().image().resolutionFor("detection");
        List<Outcome<OfaResult>> out = new ArrayList<>();
        List<Prepared> items = TaskSupport.prepare(model, images, i -> PROMPT, out);
        TaskSupport.generate(model, items, size, settings, Constraint.NONE, (p, h) -> OfaResult.ofText(
                TaskSupport.text(model, h), h.tokens(), h.tokenLogprobs(), h.score())
                .withDetections(parse(model, h, size, p.image().width(), p.image().height())), out);
        return out;
    }

    static List<Detection> parse(OfaModel model, Hypothesis h, int size, int width, int height) {
        VocabularyLayout v = model.modelPackage().vocabulary();
        BoxQuantizer q = new BoxQuantizer(v.numBins(), model.modelPackage().image().maxImageSize());
        int[] t = h.tokensWithoutEos(model.modelPackage().specialIds().eos());
        float[] lp = h.tokenLogprobs();
        List<Detection> out = new ArrayList<>();
        int i = 0;
        while (i + 4 <= t.length) {
            boolean group = v.isBin(t[i]) && v.isBin(t[i + 1]) && v.isBin(t[i + 2]) && v.isBin(t[i + 3]);
            if (!group) {
                i++;
                continue;
            }
            int[] bins = {v.binIndex(t[i]), v.binIndex(t[i + 1]), v.binIndex(t[i + 2]), v.binIndex(t[i + 3])};
            int j = i + 4;
            while (j < t.length && !v.isBin(t[j])) {
                j++;
            }
            if (j == i + 4) {   // no label pieces
                i = j;
                continue;
            }
            double mean = 0;
            for (int k = i; k < j; k++) {
                mean += lp[k];
            }
            String label = model.tokenizer().decode(Arrays.copyOfRange(t, i + 4, j)).trim();
            out.add(new Detection(label, q.toBox(bins, size, width, height), bins, mean / (j - i)));
            i = j;
        }
        return out;
    }
}
