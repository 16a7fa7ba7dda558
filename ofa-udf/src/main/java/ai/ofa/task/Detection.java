package ai.ofa.task;

/** One detected object: its label text, box in pixels, location bins and mean token log-prob. */
public record Detection(String label, Box box, int[] bins, double score) {
}
