package ai.ofa.task;

import ai.ofa.generate.Hypothesis;
import ai.ofa.generate.SamplingSettings;
import ai.ofa.image.PngWriter;
import ai.ofa.image.RgbImage;
import ai.ofa.model.EncodedBatch;
import ai.ofa.model.OfaModel;
import ai.ofa.model.VqganModel;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Text-to-image as OFA's reference runs it ({@code tasks/mm_tasks/image_gen.py}, {@code image_gen_dataset.py}): the
 * prompt {@code " what is the complete image? caption: {caption}"} (the caption's first 128 whitespace-separated
 * words, not lower-cased) through the text-only encoder, then 1024 image codes (a 256 px image, 32 x 32 codes)
 * sampled with top-k 256 and temperature 1 from the code range only, then eos; the VQGAN decodes them. Each of the
 * {@code samples} sequences is ranked by its own sequence log-prob; the reference's CLIP reranking
 * (ViT-B/16 similarity to the caption) is not included.
 *
 * <pre>{@code
 * List<Outcome<GeneratedImage>> out = new TextToImage(model, vqgan, SamplingSettings.reference().withSeed(1))
 *         .run(List.of("a red circle on the left"));
 * }</pre>
 */
public final class TextToImage {
    public static final String PROMPT = " what is the complete image? caption: ";
    /** ImageGenDataset's max_src_length: words of the caption kept. */
    public static final int MAX_CAPTION_WORDS = 128;

    private final OfaModel model;
    private final VqganModel vqgan;
    private final SamplingSettings settings;

    public TextToImage(OfaModel model, VqganModel vqgan, SamplingSettings settings) {
        VqganLocator.check(model, vqgan);
        model.requireImageCodeGraphs();
        this.model = model;
        this.vqgan = vqgan;
        this.settings = settings;
    }

    /** The reference's prompt: the caption stripped, its first 128 words joined by single spaces. */
    public static String prompt(String caption) {
        String[] words = caption.strip().split("\\s+");
        int n = Math.min(words.length, MAX_CAPTION_WORDS);
        return PROMPT + String.join(" ", java.util.Arrays.copyOf(words, n));
    }

    /** Codes per side: the VQGAN's image size over its downsample factor (32 at 256 px). */
    public int gridSide() {
        return vqgan.vqganPackage().codeGrid();
    }

    public List<Outcome<GeneratedImage>> run(List<String> captions) {
        return run(captions, step -> { });
    }

    /** As {@link #run(List)}; {@code onStep} hears each decoder step (benchmarks). */
    public List<Outcome<GeneratedImage>> run(List<String> captions, IntConsumer onStep) {
        List<Outcome<GeneratedImage>> out = new ArrayList<>();
        List<Integer> items = new ArrayList<>();
        List<int[]> prompts = new ArrayList<>();
        int limit = model.modelPackage().config().maxPositions();
        for (int i = 0; i < captions.size(); i++) {
            String caption = captions.get(i);
            if (caption == null || caption.isBlank()) {
                out.add(Outcome.failed("item " + i + ": caption is empty; text-to-image needs a caption"));
                continue;
            }
            int[] ids = model.tokenizer().encode(prompt(caption));
            if (ids.length > limit) {
                out.add(Outcome.failed("item " + i + ": prompt of " + ids.length + " tokens exceeds the limit of "
                        + limit + " tokens"));
                continue;
            }
            out.add(null);
            items.add(i);
            prompts.add(ids);
        }
        if (items.isEmpty()) {
            return out;
        }
        int side = gridSide();
        List<List<Hypothesis>> samples;
        try (EncodedBatch enc = model.encodeText(prompts)) {
            samples = model.generateCodes(enc, settings, side, side * side, onStep);
        }
        for (int k = 0; k < items.size(); k++) {
            int i = items.get(k);
            try {
                List<GeneratedImage.Candidate> cands = ImageCodeSupport.candidates(model, samples.get(k), side);
                GeneratedImage.Candidate best = cands.get(0);
                RgbImage img = vqgan.decodeToImages(List.of(best.codes())).get(0);
                out.set(i, Outcome.ok(new GeneratedImage(PngWriter.encode(img), img.width(), img.height(),
                        best.codes(), best.score(), cands)));
            } catch (RuntimeException e) {
                out.set(i, Outcome.failed("item " + i + ": " + e.getMessage()));
            }
        }
        return out;
    }
}
