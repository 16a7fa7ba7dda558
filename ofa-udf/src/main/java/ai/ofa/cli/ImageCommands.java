package ai.ofa.cli;

import ai.ofa.generate.SamplingSettings;
import ai.ofa.image.CodeGrid;
import ai.ofa.model.ModelPackage;
import ai.ofa.model.OfaModel;
import ai.ofa.model.SessionSettings;
import ai.ofa.model.VqganModel;
import ai.ofa.task.CodeDecoding;
import ai.ofa.task.GeneratedImage;
import ai.ofa.task.ImageCoding;
import ai.ofa.task.ImageInfill;
import ai.ofa.task.TextToImage;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The image-code commands of {@code ./ofa}: {@code generate} (text-to-image), {@code infill}, {@code codes} and
 * {@code decode-codes}. {@code --vqgan PKG} names the VQGAN package; without it the one inside the OFA package
 * ({@code --model}) is used.
 *
 * <pre>./ofa generate --model PKG --vqgan VQ --text "a red circle" --output circle.png --samples 4 --seed 1</pre>
 */
final class ImageCommands {
    private ImageCommands() {
    }

    /** The OFA package, where it runs, and the VQGAN package. */
    static final class Models {
        @Mixin
        CommonOptions.Model ofa;
        @Option(names = "--vqgan", paramLabel = "PKG", description = "the VQGAN package (made by ./ofa "
                + "convert-vqgan; default: the one inside --model)")
        Path vqgan;

        /** --vqgan, else the VQGAN inside --model (its manifest is read without loading the OFA graphs). */
        VqganModel vqgan(ModelPackage loaded) {
            SessionSettings settings = ofa.session();
            if (vqgan != null) {
                return VqganModel.shared(vqgan, settings);
            }
            ModelPackage pkg = loaded != null ? loaded : ModelPackage.open(ofa.path());
            if (pkg.vqganPackage().isEmpty()) {
                throw new IllegalArgumentException("No VQGAN package: pass --vqgan PKG (a package made by ./ofa "
                        + "convert-vqgan), or use a --model converted with ./ofa convert --vqgan PKG (model "
                        + pkg.name() + " has none)");
            }
            return VqganModel.shared(pkg.vqganPackage().get(), settings);
        }
    }

    @Command(name = "generate", description = "Text-to-image: 1024 image codes sampled for a caption (prompt \" what "
            + "is the complete image? caption: ...\"), decoded by the VQGAN to a 256 px PNG.")
    static final class Generate implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--text", required = true, paramLabel = "TEXT", description = "the caption")
        String text;
        @Option(names = "--output", required = true, paramLabel = "OUT.png", description = "the PNG to write")
        Path output;
        @Mixin
        SamplingOptions sampling;
        @Mixin
        Models models;
        @Option(names = "--json", description = "print the codes, score and candidates as JSON")
        boolean json;

        @Override
        public Integer call() throws IOException {
            Path out = CommonOptions.output(output);
            try (OfaModel model = OfaModel.load(models.ofa.path(), models.ofa.session())) {
                VqganModel vq = models.vqgan(model.modelPackage());
                GeneratedImage img = new TextToImage(model, vq, sampling.settings()).run(List.of(text)).get(0).get();
                write(out, img, json, spec.commandLine().getOut());
            }
            return 0;
        }
    }

    @Command(name = "infill", description = "Image infilling as in OFA's pretraining: the image at 256 px with its "
            + "middle 128 x 128 masked, the middle's 256 codes generated (\" what is the image in the middle "
            + "part?\") and pasted back.")
    static final class Infill implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        CommonOptions.Image image;
        @Option(names = "--output", required = true, paramLabel = "OUT.png", description = "the PNG to write")
        Path output;
        @Mixin
        SamplingOptions sampling;
        @Mixin
        Models models;
        @Option(names = "--json", description = "print the codes, score and candidates as JSON")
        boolean json;

        @Override
        public Integer call() throws IOException {
            byte[] bytes = image.read();
            Path out = CommonOptions.output(output);
            try (OfaModel model = OfaModel.load(models.ofa.path(), models.ofa.session())) {
                VqganModel vq = models.vqgan(model.modelPackage());
                GeneratedImage img = new ImageInfill(model, vq, sampling.settings()).run(List.of(bytes)).get(0).get();
                write(out, img, json, spec.commandLine().getOut());
            }
            return 0;
        }
    }

    @Command(name = "codes", description = "An image's VQGAN codes: 1024 at 256 px (the argmax of the quantizer's "
            + "logits), or with --middle the 256 codes of the middle 128 x 128, image infilling's target.")
    static final class Codes implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        CommonOptions.Image image;
        @Option(names = "--middle", description = "the 256 codes of the middle 128 x 128 only")
        boolean middle;
        @Mixin
        Models models;
        @Option(names = "--json", description = "print {\"codes\": [...]} instead of the codes separated by spaces")
        boolean json;

        @Override
        public Integer call() throws IOException {
            byte[] bytes = image.read();
            ImageCoding coding = new ImageCoding(models.vqgan(null));
            CodeGrid grid = (middle ? coding.middleCodes(List.of(bytes)) : coding.codes(List.of(bytes))).get(0).get();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                ObjectNode o = new ObjectMapper().createObjectNode();
                ArrayNode codes = o.putArray("codes");
                for (int c : grid.codes()) {
                    codes.add(c);
                }
                out.println(o.toString());
            } else {
                out.println(join(grid.codes()));
            }
            return 0;
        }
    }

    @Command(name = "decode-codes", description = "A grid of VQGAN codes decoded to a PNG (1024 codes: 256 px).")
    static final class DecodeCodes implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        static final class Source {
            @Option(names = "--codes", required = true, paramLabel = "\"C C C ...\"", description = "the codes, "
                    + "separated by spaces or commas, row-major")
            String codes;
            @Option(names = "--codes-file", required = true, paramLabel = "FILE", description = "a file holding "
                    + "the codes")
            Path file;
        }

        @ArgGroup(multiplicity = "1")
        Source source;
        @Option(names = "--output", required = true, paramLabel = "OUT.png", description = "the PNG to write")
        Path output;
        @Mixin
        Models models;

        @Override
        public Integer call() throws IOException {
            String text = source.file != null
                    ? new String(CommonOptions.readFile(source.file, "Codes"), StandardCharsets.UTF_8) : source.codes;
            Path out = CommonOptions.output(output);
            int[] codes = CodeGrid.parse(text);
            VqganModel vq = models.vqgan(null);
            byte[] png = new CodeDecoding(vq).run(List.of(codes)).get(0).get();
            Files.write(out, png);
            int side = (int) Math.round(Math.sqrt(codes.length)) * vq.vqganPackage().downsampleFactor();
            spec.commandLine().getOut().println("Wrote " + out + " (" + side + "x" + side + ", " + codes.length
                    + " codes)");
            return 0;
        }
    }

    private static void write(Path output, GeneratedImage img, boolean json, PrintWriter out) throws IOException {
        Files.write(output, img.png());
        if (json) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("output", output.toString());
            o.put("width", img.width());
            o.put("height", img.height());
            o.put("score", img.score());
            ArrayNode codes = o.putArray("codes");
            for (int c : img.codes().codes()) {
                codes.add(c);
            }
            ArrayNode cands = o.putArray("candidates");
            for (GeneratedImage.Candidate c : img.candidates()) {
                cands.addObject().put("score", c.score());
            }
            out.println(o.toString());
        } else {
            out.printf("Wrote %s (%dx%d, %d codes, log-prob %.2f; %d sample(s))%n", output, img.width(), img.height(),
                    img.codes().size(), img.score(), img.candidates().size());
        }
    }

    private static String join(int[] xs) {
        StringBuilder s = new StringBuilder();
        for (int x : xs) {
            if (s.length() > 0) {
                s.append(' ');
            }
            s.append(x);
        }
        return s.toString();
    }
}
