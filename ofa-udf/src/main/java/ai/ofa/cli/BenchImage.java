package ai.ofa.cli;

import ai.ofa.generate.Hypothesis;
import ai.ofa.generate.SamplingSettings;
import ai.ofa.image.CodeGrid;
import ai.ofa.image.RgbImage;
import ai.ofa.model.EncodedBatch;
import ai.ofa.model.OfaModel;
import ai.ofa.model.VqganModel;
import ai.ofa.task.TextToImage;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Image-code throughput of the Java runtime, one JSON line per measurement, never asserted: VQGAN encode and decode
 * images/s per batch size (256 px); text-to-image code generation (1024 codes, top-k 256) images/s per sample
 * count, with the decoder's ms per step at steps 1-4 and 1021-1024 (flat: the KV cache works).
 */
@Command(name = "bench-image-java", description = "Image-code throughput of the Java runtime, one JSON line per "
        + "measurement (./ofa bench-image builds a real-shape VQGAN and an OFA-tiny-shaped package and compares with "
        + "PyTorch eager).")
final class BenchImage implements Callable<Integer> {
    static final String CAPTION = "a photo of a man riding a horse";

    @Spec
    CommandSpec spec;
    @Mixin
    CommonOptions.Image image;
    @Mixin
    CommonOptions.Model modelOptions;
    @Option(names = "--vqgan", required = true, paramLabel = "PKG", description = "the VQGAN package")
    Path vqgan;
    @Option(names = "--vqgan-batches", paramLabel = "N,N", split = ",", defaultValue = "1,4",
            description = "VQGAN batch sizes (default: ${DEFAULT-VALUE})")
    List<Integer> vqganBatches;
    @Option(names = "--samples", paramLabel = "N,N", split = ",", defaultValue = "1,4",
            description = "text-to-image sample counts (default: ${DEFAULT-VALUE})")
    List<Integer> samples;
    @Option(names = "--repeats", paramLabel = "N", defaultValue = "2", description = "best of N (default: "
            + "${DEFAULT-VALUE})")
    int repeats;

    @Override
    public Integer call() throws IOException {
        java.io.PrintWriter out = spec.commandLine().getOut();
        byte[] bytes = image.read();
        CommonOptions.positive("--repeats", repeats);
        try (VqganModel vq = VqganModel.load(vqgan, modelOptions.session())) {
            RgbImage img = new ai.ofa.image.ImageDecoder().decode(bytes);
            vq.encode(List.of(img));   // warm-up
            for (int batch : vqganBatches) {
                CommonOptions.positive("--vqgan-batches", batch);
                List<RgbImage> imgs = new ArrayList<>(Collections.nCopies(batch, img));
                double enc = Double.MAX_VALUE;
                double dec = Double.MAX_VALUE;
                List<CodeGrid> grids = new ArrayList<>();
                for (int r = 0; r < repeats; r++) {
                    long t0 = System.nanoTime();
                    List<VqganModel.Encoded> codes = vq.encode(imgs);
                    enc = Math.min(enc, (System.nanoTime() - t0) / 1e9);
                    grids.clear();
                    codes.forEach(c -> grids.add(c.grid()));
                    long t1 = System.nanoTime();
                    vq.decodeToImages(grids);
                    dec = Math.min(dec, (System.nanoTime() - t1) / 1e9);
                }
                out.printf("{\"bench\":\"vqgan\",\"runtime\":\"java-onnxruntime\",\"batch\":%d,"
                        + "\"encode_images_per_s\":%.3f,\"decode_images_per_s\":%.3f,\"peak_rss_mb\":%d}%n",
                        batch, batch / enc, batch / dec, Bench.peakRssMb());
            }
        }
        try (OfaModel model = OfaModel.load(modelOptions.path(), modelOptions.session())) {
            int[] prompt = model.tokenizer().encode(TextToImage.prompt(CAPTION));
            try (EncodedBatch warm = model.encodeText(List.of(prompt))) {   // opens the image-code graphs
                model.generateCodes(warm, SamplingSettings.reference(), 32, 4, i -> { });
            }
            for (int n : samples) {
                SamplingSettings s = SamplingSettings.reference().withSamples(CommonOptions.positive("--samples", n))
                        .withSeed(1);
                double[] steps = new double[1025];
                long[] last = {0};
                int[] step = {-1};
                long t0 = System.nanoTime();
                List<List<Hypothesis>> h;
                try (EncodedBatch enc = model.encodeText(List.of(prompt))) {
                    h = model.generateCodes(enc, s, 32, 1024, i -> {
                        long now = System.nanoTime();
                        if (step[0] >= 0) {
                            steps[step[0]] = (now - last[0]) / 1e6;
                        }
                        last[0] = now;
                        step[0] = i;
                    });
                }
                long end = System.nanoTime();
                steps[step[0]] = (end - last[0]) / 1e6;
                double total = (end - t0) / 1e9;
                if (h.get(0).size() != n) {
                    throw new IllegalStateException("benchmark produced " + h.get(0).size() + " samples");
                }
                // steps[t] is decoder call t+1 plus the sampling after it; 1024 codes are calls 1..1024
                out.printf("{\"bench\":\"text_to_image\",\"runtime\":\"java-onnxruntime\",\"samples\":%d,"
                        + "\"images_per_s\":%.4f,\"seconds\":%.2f,\"decoder_ms_per_step_1_4\":%.2f,"
                        + "\"decoder_ms_per_step_1021_1024\":%.2f,\"peak_rss_mb\":%d}%n", n, n / total,
                        total, mean(steps, 0, 4), mean(steps, 1020, 1024), Bench.peakRssMb());
            }
        }
        return 0;
    }

    private static double mean(double[] xs, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += xs[i];
        }
        return s / (to - from);
    }
}
