package ai.ofa.task;

import ai.ofa.generate.Constraint;
import ai.ofa.generate.Hypothesis;
import ai.ofa.generate.SearchSettings;
import ai.ofa.image.ImageDecodeException;
import ai.ofa.image.RgbImage;
import ai.ofa.model.EncodedBatch;
import ai.ofa.model.OfaModel;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.IntFunction;

/**
 * What every task shares: decode and tokenise each item (a failure stays with its item), encode the good ones as
 * one batch, decode, and hand each item's hypotheses or candidate scores back in the caller's order.
 */
final class TaskSupport {
    /** Candidates scored per decoder call in all-candidate scoring (bounds memory with large label sets). */
    static final int CANDIDATE_CHUNK = 128;

    private TaskSupport() {
    }

    /** Decodes item i's image and builds its prompt, items in parallel where the model allows; errors name the item. */
    static <T> List<Prepared> prepare(OfaModel model, List<byte[]> images, IntFunction<String> prompt,
                                      List<Outcome<T>> out) {
        Prepared[] prepared = new Prepared[images.size()];
        String[] errors = new String[images.size()];
        model.forEachItem(images.size(), i -> {
            try {
                byte[] bytes = images.get(i);
                if (bytes == null) {
                    throw new ImageDecodeException("Image is null");
                }
                RgbImage img = model.imageDecoder().decode(bytes);
                String text = prompt.apply(i);
                int[] ids = model.tokenizer().encode(text);
                int limit = model.modelPackage().config().maxPositions();
                if (ids.length > limit) {
                    throw new IllegalArgumentException("Prompt of " + ids.length + " tokens exceeds the limit of "
                            + limit + " tokens");
                }
                prepared[i] = new Prepared(i, img, ids);
            } catch (RuntimeException e) {
                errors[i] = "item " + i + ": " + e.getMessage();
            }
        });
        List<Prepared> ok = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            out.add(errors[i] == null ? null : Outcome.failed(errors[i]));
            if (prepared[i] != null) {
                ok.add(prepared[i]);
            }
        }
        return ok;
    }

    static EncodedBatch encode(OfaModel model, List<Prepared> items, int size) {
        List<RgbImage> imgs = new ArrayList<>();
        List<int[]> prompts = new ArrayList<>();
        for (Prepared p : items) {
            imgs.add(p.image());
            prompts.add(p.prompt());
        }
        return model.encode(imgs, prompts, size);
    }

    /** Generation for prepared items; {@code finish} turns an item's best hypothesis into its result. */
    static <T> void generate(OfaModel model, List<Prepared> items, int size, SearchSettings settings,
                             Constraint constraint, BiFunction<Prepared, Hypothesis, T> finish,
                             List<Outcome<T>> out) {
        if (items.isEmpty()) {
            return;
        }
        List<List<Hypothesis>> hyps;
        try (EncodedBatch enc = encode(model, items, size)) {
            hyps = model.generate(enc, settings, constraint == Constraint.NONE ? Constraint.NONE : new Constraint() {
                @Override   // sentence k of this batch is item items.get(k).index() of the caller's list
                public void apply(int sentence, int[] prefix, float[] logits, int offset, int vocab) {
                    constraint.apply(items.get(sentence).index(), prefix, logits, offset, vocab);
                }

                @Override
                public int[] allowedIds(int sentence, int[] prefix) {
                    return constraint.allowedIds(items.get(sentence).index(), prefix);
                }
            });
        }
        for (int k = 0; k < items.size(); k++) {
            Prepared p = items.get(k);
            if (hyps.get(k).isEmpty()) {
                out.set(p.index(), Outcome.failed("item " + p.index() + ": no hypothesis satisfied the constraints"));
                continue;
            }
            try {
                out.set(p.index(), Outcome.ok(finish.apply(p, hyps.get(k).get(0))));
            } catch (RuntimeException e) {
                out.set(p.index(), Outcome.failed("item " + p.index() + ": " + e.getMessage()));
            }
        }
    }

    /**
     * All-candidate scoring: encoder once per item, every candidate teacher-forced; score = sum of the log-probs of
     * the candidate's tokens and eos. Returns per item the per-candidate sums and token log-probs.
     */
    static List<float[][]> scoreCandidates(OfaModel model, EncodedBatch enc, List<List<int[]>> candidates) {
        int per = candidates.get(0).size();
        boolean even = candidates.stream().allMatch(c -> c.size() == per);
        List<float[][]> out = new ArrayList<>();
        if (even && per * candidates.size() <= CANDIDATE_CHUNK) {   // one call for the whole batch
            List<int[]> targets = new ArrayList<>();
            int[] owner = new int[per * candidates.size()];
            for (int k = 0; k < candidates.size(); k++) {
                targets.addAll(candidates.get(k));
                java.util.Arrays.fill(owner, k * per, (k + 1) * per, k);
            }
            float[][] all = model.teacherForce(enc, targets, owner);
            for (int k = 0; k < candidates.size(); k++) {
                out.add(java.util.Arrays.copyOfRange(all, k * per, (k + 1) * per));
            }
            return out;
        }
        for (int k = 0; k < candidates.size(); k++) {   // per item, in chunks (large label sets)
            List<int[]> mine = candidates.get(k);
            float[][] scores = new float[mine.size()][];
            for (int from = 0; from < mine.size(); from += CANDIDATE_CHUNK) {
                int to = Math.min(mine.size(), from + CANDIDATE_CHUNK);
                int[] owner = new int[to - from];
                java.util.Arrays.fill(owner, k);
                float[][] part = model.teacherForce(enc, mine.subList(from, to), owner);
                System.arraycopy(part, 0, scores, from, part.length);
            }
            out.add(scores);
        }
        return out;
    }

    /** Candidate text -> target ids: pieces(' ' + text) + eos, as OFA's trie and scorer build them. */
    static int[] candidateIds(OfaModel model, String text) {
        int[] framed = model.tokenizer().encode(" " + text.trim());
        return java.util.Arrays.copyOfRange(framed, 1, framed.length);
    }

    static double sum(float[] xs) {
        double s = 0;
        for (float x : xs) {
            s += x;
        }
        return s;
    }

    static String text(OfaModel model, Hypothesis h) {
        return model.tokenizer().decode(h.tokensWithoutEos(model.modelPackage().specialIds().eos())).trim();
    }
}
