package ai.ofa.task;

import ai.ofa.generate.SearchSettings;
import ai.ofa.model.OfaModel;

import java.util.List;

/**
 * Image-text matching: {@code " does the image describe \" {text} \"?"} answered yes / no; {@code probability}
 * is P(yes) normalised over the two answers.
 */
public final class ImageTextMatching {
    private final OfaModel model;

    public ImageTextMatching(OfaModel model) {
        this.model = model;
    }

    public List<Outcome<OfaResult>> run(List<byte[]> images, List<String> texts) {
        List<Outcome<OfaResult>> out = CandidateChoice.choose(model, images, i -> Entailment.prompt(texts.get(i), null),
                List.of("yes", "no"), model.modelPackage().image().resolutionFor("itm"),
                CandidateChoice.Mode.ALL_CANDIDATES, SearchSettings.greedy());
        out.replaceAll(o -> {
            if (!o.isOk()) {
                return o;
            }
            OfaResult r = o.value();
            double p = r.probability();
            return Outcome.ok(r.withProbability("yes".equals(r.answer()) ? p : 1 - p));
        });
        return out;
    }
}
