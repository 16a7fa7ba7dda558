package ai.ofa.image;

/** An image could not be decoded or was refused (unknown format, corrupt, truncated, too many pixels). */
public class ImageDecodeException extends RuntimeException {
    public ImageDecodeException(String message) {
        super(message);
    }

    public ImageDecodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
