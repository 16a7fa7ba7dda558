package ai.ofa.task;

import ai.ofa.generate.Hypothesis;
import ai.ofa.generate.SamplingSettings;
import ai.ofa.image.CodeGrid;
import ai.ofa.image.ImagePreprocessor;
import ai.ofa.image.PngWriter;
import ai.ofa.image.RgbImage;
import ai.ofa.image.VqganPixels;
import ai.ofa.model.EncodedBatch;
import ai.ofa.model.Floats;
import ai.ofa.model.ImageSettings;
import ai.ofa.model.OfaModel;
import ai.ofa.model.VqganModel;

import java.util.ArrayList;
import java.util.List;

/**
 * Image infilling in OFA's pretraining layout ({@code data/pretrain_data/unify_dataset.py}, {@code code_image_size}
 * 128): the image at 256 x 256 (resized with Pillow BICUBIC; the image TSV stores it at that size), normalised, its
 * middle [64, 192) x [64, 192) set to 0, encoded with the prompt {@code " what is the image in the middle part?"};
 * the decoder writes the 256 codes (16 x 16) of the middle 128 x 128 on a 16-wide grid; the VQGAN decodes them and
 * the result is pasted over the middle of the 256 px image.
 *
 * <pre>{@code
 * List<Outcome<GeneratedImage>> out = new ImageInfill(model, vqgan, SamplingSettings.greedy()).run(images);
 * }</pre>
 */
public final class ImageInfill {
    public static final String PROMPT = " what is the image in the middle part?";
    /** The reference's code_image_size for pretraining: the middle region's side. */
    public static final int MIDDLE = 128;
    /** The image's side: twice the middle. */
    public static final int SIZE = 2 * MIDDLE;
    /** First masked row and column: int(0.5 * code_image_size). */
    public static final int MASK_FROM = MIDDLE / 2;

    private final OfaModel model;
    private final VqganModel vqgan;
    private final SamplingSettings settings;

    public ImageInfill(OfaModel model, VqganModel vqgan, SamplingSettings settings) {
        VqganLocator.check(model, vqgan);
        model.requireImageCodeGraphs();
        this.model = model;
        this.vqgan = vqgan;
        this.settings = settings;
    }

    /** Codes per side of the middle (16 for the reference VQGAN's factor 8). */
    public int gridSide() {
        return MIDDLE / vqgan.vqganPackage().downsampleFactor();
    }

    /** The encoder input of one 256 px image: normalised with the model's mean/std, the middle set to 0. */
    static void maskedInput(byte[] rgb256, ImageSettings is, float[] out, int offset) {
        ImagePreprocessor.normalize(rgb256, SIZE, is.mean(), is.std(), out, offset);
        for (int c = 0; c < 3; c++) {
            for (int y = MASK_FROM; y < MASK_FROM + MIDDLE; y++) {
                int row = offset + c * SIZE * SIZE + y * SIZE;
                java.util.Arrays.fill(out, row + MASK_FROM, row + MASK_FROM + MIDDLE, 0f);
            }
        }
    }

    public List<Outcome<GeneratedImage>> run(List<byte[]> images) {
        List<Outcome<GeneratedImage>> out = new ArrayList<>();
        List<Prepared> items = TaskSupport.prepare(model, images, i -> PROMPT, out);
        if (items.isEmpty()) {
            return out;
        }
        int plane = 3 * SIZE * SIZE;
        float[] pixels = new float[items.size() * plane];
        byte[][] resized = new byte[items.size()][];
        ImageSettings is = model.modelPackage().image();
        model.forEachItem(items.size(), k -> {
            resized[k] = ImagePreprocessor.resize(items.get(k).image(), SIZE);
            maskedInput(resized[k], is, pixels, k * plane);
        });
        List<int[]> prompts = new ArrayList<>();
        items.forEach(p -> prompts.add(p.prompt()));
        int side = gridSide();
        List<List<Hypothesis>> samples;
        try (EncodedBatch enc = model.encodePixels(new Floats(pixels, new long[]{items.size(), 3, SIZE, SIZE}),
                prompts)) {
            samples = model.generateCodes(enc, settings, side, side * side, s -> { });
        }
        for (int k = 0; k < items.size(); k++) {
            int i = items.get(k).index();
            try {
                List<GeneratedImage.Candidate> cands = ImageCodeSupport.candidates(model, samples.get(k), side);
                CodeGrid best = cands.get(0).codes();
                RgbImage middle = vqgan.decodeToImages(List.of(best)).get(0);
                RgbImage whole = VqganPixels.paste(new RgbImage(resized[k], SIZE, SIZE), middle, MASK_FROM, MASK_FROM);
                out.set(i, Outcome.ok(new GeneratedImage(PngWriter.encode(whole), SIZE, SIZE, best,
                        cands.get(0).score(), cands)));
            } catch (RuntimeException e) {
                out.set(i, Outcome.failed("item " + i + ": " + e.getMessage()));
            }
        }
        return out;
    }
}
