package ai.ofa.cli;

import ai.ofa.generate.SearchSettings;
import ai.ofa.model.Device;
import ai.ofa.model.SessionSettings;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The options every inference command shares, as picocli mixins: the model and where it runs, the decoding
 * overrides, and reading an input image. Typed here; nothing downstream sees a string.
 *
 * <pre>{@code @Mixin CommonOptions.Model model;  ...  OfaModel.load(model.path(), model.session())}</pre>
 */
final class CommonOptions {
    private CommonOptions() {
    }

    /** The bundled trained package, found through the launcher's {@code -Dofa.home}. */
    static Path bundledModel() {
        return Path.of(System.getProperty("ofa.home", "."), "models", "ofa-scenes");
    }

    static final class Model {
        @Option(names = "--model", paramLabel = "PKG", description = "model package folder or .zip (default: the "
                + "bundled package models/ofa-scenes)")
        Path model;

        @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "cpu",
                description = "cpu or cuda:N (default: ${DEFAULT-VALUE})")
        String device;

        @Option(names = "--threads", paramLabel = "N", description = "ONNX Runtime intra-op threads, also used to "
                + "decode a batch's images (default: the machine's cores)")
        Integer threads;

        @Option(names = "--spin-wait", description = "let ONNX Runtime's idle workers spin between runs (off: the "
                + "runtime alternates ONNX Runtime and Java work on the same cores)")
        boolean spinWait;

        Path path() {
            return model != null ? model : bundledModel();
        }

        SessionSettings session() {
            int n = threads != null ? threads : Math.max(1, Runtime.getRuntime().availableProcessors());
            if (n < 1) {
                throw new OfaCli.UsageException("--threads must be at least 1, got " + n);
            }
            return new SessionSettings(Device.parse(device), n, SessionSettings.Optimization.ALL, spinWait);
        }
    }

    static final class Decoding {
        @Option(names = "--beam", paramLabel = "N", description = "beam size (default: the task's)")
        Integer beam;
        @Option(names = "--max-len", paramLabel = "N", description = "most tokens generated (default: the task's)")
        Integer maxLen;
        @Option(names = "--min-len", paramLabel = "N", description = "fewest tokens generated (default: the task's)")
        Integer minLen;
        @Option(names = "--no-repeat-ngram", paramLabel = "N",
                description = "forbid repeating n-grams of this size; 0 allows them (default: the task's)")
        Integer noRepeatNgram;

        SearchSettings over(SearchSettings defaults) {
            SearchSettings s = defaults;
            if (beam != null) {
                s = s.withBeam(positive("--beam", beam));
            }
            if (maxLen != null) {
                s = s.withMaxLen(positive("--max-len", maxLen));
            }
            if (minLen != null) {
                s = s.withMinLen(minLen);
            }
            if (noRepeatNgram != null) {
                s = s.withNoRepeatNgram(noRepeatNgram);
            }
            return s;
        }
    }

    static final class Image {
        @Option(names = "--image", paramLabel = "FILE", required = true, description = "the image file (JPEG, PNG, "
                + "GIF, BMP, WebP)")
        Path image;

        byte[] read() throws java.io.IOException {
            return readFile(image, "Image");
        }
    }

    static int positive(String option, int v) {
        if (v < 1) {
            throw new OfaCli.UsageException(option + " must be a positive integer, got " + v);
        }
        return v;
    }

    static byte[] readFile(Path p, String what) throws java.io.IOException {
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException(what + " file not found: " + p);
        }
        return Files.readAllBytes(p);
    }

    /** An output file whose folder exists. */
    static Path output(Path p) {
        Path parent = p.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new IllegalArgumentException("Output folder does not exist: " + parent);
        }
        return p;
    }
}
