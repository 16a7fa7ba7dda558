package ai.ofa.model;

/** A model package is missing, incomplete or inconsistent; the message names the file or field at fault. */
public class ModelPackageException extends RuntimeException {
    public ModelPackageException(String message) {
        super(message);
    }

    public ModelPackageException(String message, Throwable cause) {
        super(message, cause);
    }
}
