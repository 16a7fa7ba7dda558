package ai.ofa.task;

import ai.ofa.image.ImagePreprocessor;
import ai.ofa.image.RgbImage;
import ai.ofa.model.Floats;
import ai.ofa.model.Longs;
import ai.ofa.model.ModelConfig;
import ai.ofa.model.OfaModel;

import java.util.HashMap;
import java.util.Map;

/**
 * An independent scorer for tests: one image, one prompt, one target, batch 1, straight through the three ONNX
 * graphs with no KV cache, no padding and no batching (the whole decoder input in one call), log-softmax in double.
 * It shares none of {@code OfaModel.teacherForce}, {@code KvCacheDecoder} or {@code CandidateChoice}, so a task
 * result can be checked against it.
 *
 * <pre>{@code double[] lp = RawScorer.targetLogprobs(model, jpeg, " what does the image describe?", 480, ids);}</pre>
 */
public final class RawScorer {
    private RawScorer() {
    }

    /** Log-prob of each target id (the target ends with eos) given bos + the target shifted right. */
    public static double[] targetLogprobs(OfaModel model, byte[] image, String prompt, int size, int[] target) {
        float[] logits = logits(model, image, prompt, size, target);
        int vocab = logits.length / target.length;
        double[] out = new double[target.length];
        for (int t = 0; t < target.length; t++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < vocab; v++) {
                max = Math.max(max, logits[t * vocab + v]);
            }
            double sum = 0;
            for (int v = 0; v < vocab; v++) {
                sum += Math.exp(logits[t * vocab + v] - max);
            }
            out[t] = logits[t * vocab + target[t]] - max - Math.log(sum);
        }
        return out;
    }

    /** The decoder's raw logits [target length x vocabulary] for bos + the target shifted right. */
    public static float[] logits(OfaModel model, byte[] image, String prompt, int size, int[] target) {
        RgbImage img = model.imageDecoder().decode(image);
        float[] pixels = new float[3 * size * size];
        ImagePreprocessor.normalize(ImagePreprocessor.resize(img, size), size, model.modelPackage().image().mean(),
                model.modelPackage().image().std(), pixels, 0);
        int[] ids = model.tokenizer().encode(prompt);
        long[] lids = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            lids[i] = ids[i];
        }
        Map<String, Object> enc = model.backend().run("encoder", Map.of(
                "patch_images", new Floats(pixels, new long[]{1, 3, size, size}),
                "input_ids", new Longs(lids, new long[]{1, lids.length})));
        Map<String, Object> inputs = new HashMap<>(model.backend().run("cross_kv", Map.of(
                "encoder_hidden_states", enc.get("encoder_hidden_states"),
                "encoder_position_embedding", enc.get("encoder_position_embedding"))));
        ModelConfig cfg = model.modelPackage().config();
        for (int i = 0; i < cfg.decoderLayers(); i++) {
            long[] shape = {1, cfg.decoderHeads(), 0, cfg.headDim()};
            inputs.put("past_key_" + i, new Floats(new float[0], shape));
            inputs.put("past_value_" + i, new Floats(new float[0], shape));
        }
        long[] dec = new long[target.length];
        dec[0] = model.modelPackage().specialIds().bos();
        for (int i = 1; i < target.length; i++) {
            dec[i] = target[i - 1];
        }
        inputs.put("encoder_padding_mask", enc.get("encoder_padding_mask"));
        inputs.put("input_ids", new Longs(dec, new long[]{1, dec.length}));
        inputs.put("past_order", new Longs(new long[]{0}, new long[]{1}));
        return ((Floats) model.backend().run("decoder", inputs).get("logits")).data();
    }

    /** Score of candidate text {@code c} as OFA builds it: pieces of {@code ' ' + c} followed by eos. */
    public static double candidateScore(OfaModel model, byte[] image, String prompt, int size, String candidate) {
        int[] framed = model.tokenizer().encode(" " + candidate.trim());
        int[] target = java.util.Arrays.copyOfRange(framed, 1, framed.length);
        double s = 0;
        for (double v : targetLogprobs(model, image, prompt, size, target)) {
            s += v;
        }
        return s;
    }
}
