package ai.ofa.task;

import ai.ofa.generate.Constraint;
import ai.ofa.generate.SearchSettings;
import ai.ofa.model.OfaModel;
import ai.ofa.text.TextNormalizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Image captioning with the reference's settings: prompt {@code " what does the image describe?"}, beam 5, at most
 * 16 tokens, no repeated trigram, length-normalised scores; punctuation removed from the text.
 *
 * <pre>{@code List<Outcome<OfaResult>> out = new Captioning(model).run(List.of(jpeg));}</pre>
 */
public final class Captioning {
    public static final String PROMPT = " what does the image describe?";
    public static final SearchSettings DEFAULTS = SearchSettings.beam(5).withMaxLen(16).withNoRepeatNgram(3);

    private final OfaModel model;
    private final SearchSettings settings;

    public Captioning(OfaModel model) {
        this(model, DEFAULTS);
    }

    public Captioning(OfaModel model, SearchSettings settings) {
        this.model = model;
        this.settings = settings;
    }

    public List<Outcome<OfaResult>> run(List<byte[]> images) {
        List<Outcome<OfaResult>> out = new ArrayList<>();
        List<Prepared> items = TaskSupport.prepare(model, images, i -> PROMPT, out);
        TaskSupport.generate(model, items, model.modelPackage().image().resolutionFor("caption"), settings,
                Constraint.NONE, (p, h) -> OfaResult.ofText(TextNormalizer.stripPunctuation(TaskSupport.text(model, h)),
                        h.tokens(), h.tokenLogprobs(), h.score()), out);
        return out;
    }
}
