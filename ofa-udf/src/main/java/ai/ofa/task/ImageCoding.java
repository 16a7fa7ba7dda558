package ai.ofa.task;

import ai.ofa.image.CodeGrid;
import ai.ofa.image.ImageDecodeException;
import ai.ofa.image.ImageDecoder;
import ai.ofa.image.ImagePreprocessor;
import ai.ofa.image.RgbImage;
import ai.ofa.image.VqganPixels;
import ai.ofa.model.Floats;
import ai.ofa.model.VqganModel;

import java.util.ArrayList;
import java.util.List;

/**
 * Images to VQGAN codes, as OFA's data needs them. {@link #codes}: the whole image at the VQGAN's size (Pillow
 * BICUBIC to 256 px, 2x - 1): 1024 codes, as text-to-image's targets. {@link #middleCodes}: the codes of the middle
 * 128 x 128 of the image at 256 px (256 codes), the code column of OFA's image TSV for image infilling; the image
 * the TSV stores next to them is {@link #resized} of the same bytes.
 *
 * <pre>{@code List<Outcome<CodeGrid>> codes = new ImageCoding(vqgan).codes(List.of(jpeg));}</pre>
 */
public final class ImageCoding {
    private final VqganModel vqgan;
    private final ImageDecoder decoder = new ImageDecoder();

    public ImageCoding(VqganModel vqgan) {
        this.vqgan = vqgan;
    }

    /** The image as the image TSV stores it: decoded, resized to 256 x 256 with Pillow BICUBIC. */
    public static RgbImage resized(RgbImage image) {
        return new RgbImage(ImagePreprocessor.resize(image, ImageInfill.SIZE), ImageInfill.SIZE, ImageInfill.SIZE);
    }

    public List<Outcome<CodeGrid>> codes(List<byte[]> images) {
        List<Outcome<CodeGrid>> out = new ArrayList<>();
        List<RgbImage> ok = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        decodeAll(images, out, ok, at);
        if (!ok.isEmpty()) {
            List<VqganModel.Encoded> enc = vqgan.encode(ok);
            for (int k = 0; k < at.size(); k++) {
                out.set(at.get(k), Outcome.ok(enc.get(k).grid()));
            }
        }
        return out;
    }

    public List<Outcome<CodeGrid>> middleCodes(List<byte[]> images) {
        List<Outcome<CodeGrid>> out = new ArrayList<>();
        List<RgbImage> ok = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        decodeAll(images, out, ok, at);
        if (!ok.isEmpty()) {
            List<CodeGrid> grids = middleCodesOfImages(ok);
            for (int k = 0; k < at.size(); k++) {
                out.set(at.get(k), Outcome.ok(grids.get(k)));
            }
        }
        return out;
    }

    /** Middle codes of decoded images (any size: each is resized to 256 px first). */
    public List<CodeGrid> middleCodesOfImages(List<RgbImage> images) {
        int m = ImageInfill.MIDDLE;
        int plane = 3 * m * m;
        float[] pixels = new float[images.size() * plane];
        for (int b = 0; b < images.size(); b++) {
            RgbImage crop = VqganPixels.crop(resized(images.get(b)), ImageInfill.MASK_FROM, ImageInfill.MASK_FROM,
                    m, m);
            VqganPixels.toSignedUnit(crop.rgb(), m, m, pixels, b * plane);
        }
        List<CodeGrid> out = new ArrayList<>();
        vqgan.encodePixels(new Floats(pixels, new long[]{images.size(), 3, m, m})).forEach(e -> out.add(e.grid()));
        return out;
    }

    private void decodeAll(List<byte[]> images, List<Outcome<CodeGrid>> out, List<RgbImage> ok, List<Integer> at) {
        for (int i = 0; i < images.size(); i++) {
            try {
                byte[] bytes = images.get(i);
                if (bytes == null) {
                    throw new ImageDecodeException("Image is null");
                }
                ok.add(decoder.decode(bytes));
                at.add(i);
                out.add(null);
            } catch (RuntimeException e) {
                out.add(Outcome.failed("item " + i + ": " + e.getMessage()));
            }
        }
    }
}
