package ai.ofa.task;

/**
 * The result of one item of a batch, or the reason it failed (bad image, prompt too long, ...). One bad item never
 * fails the others.
 */
public record Outcome<T>(T value, String error) {
    /**
     * Regex of the "item N: " prefix a batch puts before an item's error; remove it to group errors by reason
     * across batches.
     */
    public static final String ITEM_PREFIX = "item \\d+: ";

    public static <T> Outcome<T> ok(T value) {
        return new Outcome<>(value, null);
    }

    public static <T> Outcome<T> failed(String error) {
        return new Outcome<>(null, error);
    }

    public boolean isOk() {
        return error == null;
    }

    /** The value, or an exception carrying the error. */
    public T get() {
        if (error != null) {
            throw new IllegalArgumentException(error);
        }
        return value;
    }
}
