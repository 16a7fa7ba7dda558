package ai.ofa.task;

import ai.ofa.generate.SearchSettings;
import ai.ofa.model.OfaModel;
import ai.ofa.text.TextNormalizer;

import java.util.List;

/**
 * Visual entailment (SNLI-VE): yes / no / maybe for a hypothesis about the image, optionally with a text premise.
 * Prompt {@code " does the image describe \" {hypothesis} \"?"} or, with a premise,
 * {@code " can image and text1 \" {premise} \" imply text2 \" {hypothesis} \"?"}; all three answers scored.
 */
public final class Entailment {
    public static final List<String> ANSWERS = List.of("yes", "no", "maybe");

    private final OfaModel model;

    public Entailment(OfaModel model) {
        this.model = model;
    }

    public static String prompt(String hypothesis, String premise) {
        if (hypothesis == null || hypothesis.isBlank()) {
            throw new IllegalArgumentException("Hypothesis is empty");
        }
        String h = TextNormalizer.normalize(hypothesis, 80);
        if (premise == null || premise.isBlank()) {
            return " does the image describe \" " + h + " \"?";
        }
        return " can image and text1 \" " + TextNormalizer.normalize(premise, 80) + " \" imply text2 \" " + h + " \"?";
    }

    public List<Outcome<OfaResult>> run(List<byte[]> images, List<String> hypotheses, List<String> premises) {
        return CandidateChoice.choose(model, images,
                i -> prompt(hypotheses.get(i), premises == null ? null : premises.get(i)), ANSWERS,
                model.modelPackage().image().resolutionFor("entailment"), CandidateChoice.Mode.ALL_CANDIDATES,
                SearchSettings.greedy());
    }
}
