package ai.ofa.image.webp;

import ai.ofa.image.ImageDecodeException;

/** A WebP file that is refused: truncated, corrupt, or a feature Pillow's reading of it does not give an RGB image. */
public class WebPException extends ImageDecodeException {
    public WebPException(String message) {
        super(message);
    }
}
