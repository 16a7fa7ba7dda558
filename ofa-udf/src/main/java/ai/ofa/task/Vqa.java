package ai.ofa.task;

import ai.ofa.generate.Constraint;
import ai.ofa.generate.SearchSettings;
import ai.ofa.model.OfaModel;
import ai.ofa.text.TextNormalizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Visual question answering. Prompt {@code " {question}"} (normalised, {@code ?} appended when missing). FREE
 * generates (beam 5, up to 16 tokens); with an answer list, TRIE constrains beam search to it and ALL_CANDIDATES
 * scores every answer.
 */
public final class Vqa {
    public enum Mode { FREE, TRIE, ALL_CANDIDATES }

    private final OfaModel model;
    private final Mode mode;
    private final SearchSettings settings;

    public Vqa(OfaModel model, Mode mode) {
        this(model, mode, SearchSettings.beam(5).withMaxLen(16));
    }

    public Vqa(OfaModel model, Mode mode, SearchSettings settings) {
        this.model = model;
        this.mode = mode;
        this.settings = settings;
    }

    public static String prompt(String question) {
        if (question == null || question.isBlank()) {
            throw new IllegalArgumentException("Question is empty");
        }
        String q = TextNormalizer.normalize(question, 80);
        return " " + (q.endsWith("?") ? q : q + "?");
    }

    public List<Outcome<OfaResult>> run(List<byte[]> images, List<String> questions, List<String> answers) {
        if (images.size() != questions.size()) {
            throw new IllegalArgumentException("VQA needs one question per image");
        }
        int size = model.modelPackage().image().resolutionFor("vqa");
        if (mode == Mode.FREE) {
            List<Outcome<OfaResult>> out = new ArrayList<>();
            List<Prepared> items = TaskSupport.prepare(model, images, i -> prompt(questions.get(i)), out);
            TaskSupport.generate(model, items, size, settings, Constraint.NONE, (p, h) -> {
                String text = TaskSupport.text(model, h);
                return OfaResult.ofText(text, h.tokens(), h.tokenLogprobs(), h.score()).withAnswer(text);
            }, out);
            return out;
        }
        return CandidateChoice.choose(model, images, i -> prompt(questions.get(i)), answers, size,
                mode == Mode.TRIE ? CandidateChoice.Mode.TRIE : CandidateChoice.Mode.ALL_CANDIDATES, settings);
    }
}
