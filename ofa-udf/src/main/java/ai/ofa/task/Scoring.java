package ai.ofa.task;

import ai.ofa.model.EncodedBatch;
import ai.ofa.model.OfaModel;

import java.util.ArrayList;
import java.util.List;

/**
 * The log-probability of a given target text under a given prompt: target pieces + eos teacher-forced;
 * {@code score} is their sum, {@code tokenLogprobs} each token's. The prompt and target are used verbatim (OFA's
 * prompts carry their own leading space).
 */
public final class Scoring {
    private final OfaModel model;
    private final String task;

    public Scoring(OfaModel model) {
        this(model, "score");
    }

    /** @param task whose input resolution to use (manifest name: caption, grounding, ...) */
    public Scoring(OfaModel model, String task) {
        this.model = model;
        this.task = task;
    }

    public List<Outcome<OfaResult>> run(List<byte[]> images, List<String> prompts, List<String> targets) {
        List<Outcome<OfaResult>> out = new ArrayList<>();
        List<Prepared> items = TaskSupport.prepare(model, images, i -> {
            if (targets.get(i) == null || targets.get(i).isEmpty()) {
                throw new IllegalArgumentException("Target text is empty");
            }
            return prompts.get(i);
        }, out);
        if (items.isEmpty()) {
            return out;
        }
        List<List<int[]>> cands = new ArrayList<>();
        for (Prepared p : items) {
            int[] framed = model.tokenizer().encode(targets.get(p.index()));
            cands.add(List.of(java.util.Arrays.copyOfRange(framed, 1, framed.length)));
        }
        List<float[][]> scores;
        try (EncodedBatch enc = TaskSupport.encode(model, items, model.modelPackage().image().resolutionFor(task))) {
            scores = TaskSupport.scoreCandidates(model, enc, cands);
        }
        for (int k = 0; k < items.size(); k++) {
            float[] lp = scores.get(k)[0];
            out.set(items.get(k).index(), Outcome.ok(OfaResult.ofText(targets.get(items.get(k).index()),
                    cands.get(k).get(0), lp, TaskSupport.sum(lp))));
        }
        return out;
    }
}
