package ai.ofa.task;

import java.util.List;

/**
 * What a task returns. Every task fills {@code text}, {@code tokens}, {@code tokenLogprobs} and {@code score};
 * grounding adds {@code box}/{@code bins}, detection {@code detections}, classification {@code label}, VQA and
 * entailment {@code answer}, image-text matching {@code answer} and {@code probability}. Unused fields are null.
 */
public record OfaResult(String text, int[] tokens, float[] tokenLogprobs, double score, Box box, int[] bins,
                        List<Detection> detections, String label, String answer, Double probability) {
    public static OfaResult ofText(String text, int[] tokens, float[] logprobs, double score) {
        return new OfaResult(text, tokens, logprobs, score, null, null, null, null, null, null);
    }

    public OfaResult withBox(Box b, int[] binIndices) {
        return new OfaResult(text, tokens, tokenLogprobs, score, b, binIndices, detections, label, answer, probability);
    }

    public OfaResult withDetections(List<Detection> d) {
        return new OfaResult(text, tokens, tokenLogprobs, score, box, bins, List.copyOf(d), label, answer, probability);
    }

    public OfaResult withLabel(String l) {
        return new OfaResult(text, tokens, tokenLogprobs, score, box, bins, detections, l, answer, probability);
    }

    public OfaResult withAnswer(String a) {
        return new OfaResult(text, tokens, tokenLogprobs, score, box, bins, detections, label, a, probability);
    }

    public OfaResult withProbability(double p) {
        return new OfaResult(text, tokens, tokenLogprobs, score, box, bins, detections, label, answer, p);
    }
}
