package ai.ofa.task;

import ai.ofa.generate.Constraint;
import ai.ofa.generate.SearchSettings;
import ai.ofa.model.OfaModel;
import ai.ofa.model.VocabularyLayout;
import ai.ofa.text.TextNormalizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Visual grounding: text -> box in original-image pixels. Prompt
 * {@code " which region does the text \" {expr} \" describe?"} at the grounding resolution (512), beam 5,
 * exactly 4 tokens, all of them location bins; bins are de-quantised with OFA's formula.
 *
 * <pre>{@code new Grounding(model).run(List.of(jpeg), List.of("the man on the left"))}</pre>
 */
public final class Grounding {
    public static final SearchSettings DEFAULTS = SearchSettings.beam(5).withMaxLen(4).withMinLen(4);

    private final OfaModel model;
    private final SearchSettings settings;

    public Grounding(OfaModel model) {
        this(model, DEFAULTS);
    }

    public Grounding(OfaModel model, SearchSettings settings) {
        this.model = model;
        this.settings = settings;
    }

    public static String prompt(String expression) {
        return " which region does the text \" " + TextNormalizer.normalize(expression, 80) + " \" describe?";
    }

    public List<Outcome<OfaResult>> run(List<byte[]> images, List<String> expressions) {
        if (images.size() != expressions.size()) {
            throw new IllegalArgumentException("Grounding needs one text per image: " + images.size() + " images, "
                    + expressions.size() + " texts");
        }
        List<Outcome<OfaResult>> out = new ArrayList<>();
        List<Prepared> items = TaskSupport.prepare(model, images, i -> {
            String e = expressions.get(i);
            if (e == null || e.isBlank()) {
                throw new IllegalArgumentException("Grounding text is empty");
            }
            return prompt(e);
        }, out);
        VocabularyLayout v = model.modelPackage().vocabulary();
        int size = model.modelPackage().image().resolutionFor("grounding");
        BoxQuantizer q = new BoxQuantizer(v.numBins(), model.modelPackage().image().maxImageSize());
        TaskSupport.generate(model, items, size, settings,
                Constraint.allowedRange(v.binFirstId(), v.binFirstId() + v.numBins(),
                        model.modelPackage().specialIds().eos(), 4),
                (p, h) -> {
                    int[] tokens = h.tokensWithoutEos(model.modelPackage().specialIds().eos());
                    if (tokens.length < 4) {
                        throw new IllegalStateException("grounding produced " + tokens.length + " bins, expected 4");
                    }
                    int[] bins = new int[4];
                    for (int k = 0; k < 4; k++) {
                        bins[k] = v.binIndex(tokens[k]);
                    }
                    Box box = q.toBox(bins, size, p.image().width(), p.image().height());
                    return OfaResult.ofText(TaskSupport.text(model, h), h.tokens(), h.tokenLogprobs(), h.score())
                            .withBox(box, bins);
                }, out);
        return out;
    }
}
