package ai.ofa.cli;

import ai.ofa.generate.Constraint;
import ai.ofa.generate.Hypothesis;
import ai.ofa.generate.SearchSettings;
import ai.ofa.image.RgbImage;
import ai.ofa.model.EncodedBatch;
import ai.ofa.model.OfaModel;
import ai.ofa.task.Captioning;

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
 * Captioning throughput of the Java runtime: for each batch size, encoder ms, decoder ms per step (from one
 * beam-5 pass of fixed length, so every step does the same work; also with the search done in Java on the full
 * logits instead of the ONNX search head) and end-to-end images/s with the caption settings, plus peak RSS.
 * Figures are printed as one JSON line per batch size, never asserted.
 */
@Command(name = "bench-java", description = "Captioning throughput of the Java runtime, one JSON line per batch "
        + "size (./ofa bench builds an OFA-tiny-shaped package and compares with PyTorch eager).")
final class Bench implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    CommonOptions.Image image;
    @Mixin
    CommonOptions.Model modelOptions;
    @Option(names = "--batches", paramLabel = "N,N", split = ",", defaultValue = "1,8",
            description = "batch sizes (default: ${DEFAULT-VALUE})")
    List<Integer> batches;
    @Option(names = "--repeats", paramLabel = "N", defaultValue = "3", description = "best of N (default: "
            + "${DEFAULT-VALUE})")
    int repeats;
    @Option(names = "--steps", paramLabel = "N", defaultValue = "16", description = "decoder steps timed, 2..200 "
            + "(default: ${DEFAULT-VALUE})")
    int steps;

    @Override
    public Integer call() throws IOException {
        java.io.PrintWriter out = spec.commandLine().getOut();
        byte[] bytes = image.read();
        if (steps < 2 || steps > 200) {
            throw new OfaCli.UsageException("--steps must be in [2, 200], got " + steps);
        }
        CommonOptions.positive("--repeats", repeats);
        try (OfaModel model = OfaModel.load(modelOptions.path(), modelOptions.session())) {
            RgbImage img = model.imageDecoder().decode(bytes);
            int size = model.modelPackage().image().resolutionFor("caption");
            int[] prompt = model.tokenizer().encode(Captioning.PROMPT);
            for (int batch : batches) {
                CommonOptions.positive("--batches", batch);
                List<byte[]> images = new ArrayList<>(Collections.nCopies(batch, bytes));
                List<RgbImage> imgs = new ArrayList<>(Collections.nCopies(batch, img));
                List<int[]> prompts = new ArrayList<>(Collections.nCopies(batch, prompt));
                double[] javaSearch;
                try (EncodedBatch warm = model.encode(imgs, prompts, size)) {
                    timeSteps(model, warm, 2, Constraint.NONE);
                    // the same steps with the search done in Java on full logits (what any constraint needs)
                    javaSearch = timeSteps(model, warm, steps, JAVA_SIDE_SEARCH);
                }
                double best = Double.MAX_VALUE;
                double encMs = 0;
                double[] stepMs = null;
                for (int r = 0; r < repeats; r++) {
                    long t0 = System.nanoTime();
                    double e;
                    double[] stepTimes;
                    try (EncodedBatch enc = model.encode(imgs, prompts, size)) {
                        e = (System.nanoTime() - t0) / 1e6;
                        stepTimes = timeSteps(model, enc, steps, Constraint.NONE);
                    }
                    double total = (System.nanoTime() - t0) / 1e9;
                    if (total < best) {
                        best = total;
                        encMs = e;
                        stepMs = stepTimes;
                    }
                }
                long t1 = System.nanoTime();
                new Captioning(model).run(images);
                double captionS = (System.nanoTime() - t1) / 1e9;
                out.printf("{\"runtime\":\"java-onnxruntime\",\"batch\":%d,\"steps\":%d,\"images_per_s\":%.3f,"
                                + "\"encoder_ms\":%.1f,"
                                + "\"decoder_ms_per_step_first4\":%.2f,\"decoder_ms_per_step_last4\":%.2f,"
                                + "\"decoder_ms_per_step_mean\":%.2f,\"decoder_ms_per_step_java_search\":%.2f,"
                                + "\"caption_task_images_per_s\":%.3f,\"peak_rss_mb\":%d,\"device\":\"%s\","
                                + "\"providers\":\"%s\"}%n", batch, steps, batch / best, encMs,
                        mean(stepMs, 0, 4), mean(stepMs, stepMs.length - 4, stepMs.length),
                        mean(stepMs, 0, stepMs.length), mean(javaSearch, 0, javaSearch.length), batch / captionS,
                        peakRssMb(), model.backend().settings().device(),
                        String.join("+", ai.ofa.model.OnnxBackend.availableProviders()));
            }
        }
        return 0;
    }

    /** A constraint that allows everything: it makes the search take the full logits into Java. */
    private static final Constraint JAVA_SIDE_SEARCH = (sentence, prefix, logits, offset, vocab) -> { };

    /** Per-step decoder time of a beam-5 pass of exactly n decoder calls (eos blocked until the last). */
    private static double[] timeSteps(OfaModel model, EncodedBatch enc, int n, Constraint constraint) {
        double[] ms = new double[n];
        long[] last = {System.nanoTime()};
        int[] step = {0};
        SearchSettings s = SearchSettings.beam(5).withMaxLen(n - 1).withMinLen(n - 1);
        List<List<Hypothesis>> h = model.generate(enc, s, constraint, i -> {
            long now = System.nanoTime();
            if (step[0] > 0 && step[0] <= n) {
                ms[step[0] - 1] = (now - last[0]) / 1e6;
            }
            last[0] = now;
            step[0]++;
        });
        if (h.isEmpty()) {
            throw new IllegalStateException("benchmark produced no hypothesis");
        }
        return java.util.Arrays.copyOf(ms, Math.max(1, step[0] - 1));
    }

    private static double mean(double[] xs, int from, int to) {
        from = Math.max(0, from);
        to = Math.min(xs.length, to);
        double s = 0;
        for (int i = from; i < to; i++) {
            s += xs[i];
        }
        return to > from ? s / (to - from) : Double.NaN;
    }

    /** VmHWM from /proc (peak resident set), 0 where unavailable. */
    static long peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
