package ai.ofa.task;

import ai.ofa.generate.SearchSettings;
import ai.ofa.model.OfaModel;

import java.util.List;

/**
 * Classification over a label set with the caption prompt, as OFA's ImageNet evaluation: all-candidate scoring by
 * default (every label teacher-forced), or beam search constrained to a trie of the labels.
 *
 * <pre>{@code new Classification(model).run(images, List.of("cat", "dog", "bird"))}</pre>
 */
public final class Classification {
    private final OfaModel model;
    private final boolean trie;
    private final SearchSettings trieSettings;

    public Classification(OfaModel model) {
        this(model, false, SearchSettings.beam(5).withMaxLen(32));
    }

    public Classification(OfaModel model, boolean trie, SearchSettings trieSettings) {
        this.model = model;
        this.trie = trie;
        this.trieSettings = trieSettings;
    }

    public List<Outcome<OfaResult>> run(List<byte[]> images, List<String> labels) {
        return CandidateChoice.choose(model, images, i -> Captioning.PROMPT, labels,
                model.modelPackage().image().resolutionFor("classification"),
                trie ? CandidateChoice.Mode.TRIE : CandidateChoice.Mode.ALL_CANDIDATES, trieSettings);
    }
}
