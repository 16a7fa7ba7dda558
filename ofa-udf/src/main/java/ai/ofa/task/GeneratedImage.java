package ai.ofa.task;

import ai.ofa.image.CodeGrid;

import java.util.List;

/**
 * An image written as codes by OFA and decoded by the VQGAN: PNG bytes, its size, the codes ({@code codes}: the
 * best sample's; for image infilling the middle region's), the sequence log-prob {@code score} that ranked it, and
 * every sample drawn, best first.
 */
public record GeneratedImage(byte[] png, int width, int height, CodeGrid codes, double score,
                             List<Candidate> candidates) {
    /** One sampled code sequence and its sequence log-prob (eos included). */
    public record Candidate(CodeGrid codes, double score) {
    }

    public GeneratedImage {
        candidates = List.copyOf(candidates);
    }
}
