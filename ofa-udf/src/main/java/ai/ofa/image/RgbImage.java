package ai.ofa.image;

/** Decoded 8-bit RGB pixels, interleaved, row-major, as Pillow's {@code convert('RGB')} leaves them. */
public record RgbImage(byte[] rgb, int width, int height) {
    public RgbImage {
        if ((long) width * height * 3 != rgb.length) {
            throw new IllegalArgumentException("RGB buffer of " + rgb.length + " bytes does not match " + width + "x"
                    + height);
        }
    }
}
