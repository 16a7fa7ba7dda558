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

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The image-code commands of {@code ./ofa}: {@code generate} (text-to-image), {@code infill}, {@code codes} and
 * {@code decode-codes}. {@code --vqgan PKG} names the VQGAN package; without it the one inside the OFA package
 * ({@code --model}) is used.
 *
 * <pre>./ofa generate --model PKG --vqgan VQ --text "a red circle" --output circle.png --samples 4 --seed 1</pre>
 */
final class ImageCommands {
    static final Set<String> COMMANDS = Set.of("generate", "infill", "codes", "decode-codes");
    static final Set<String> FLAGS = Set.of("greedy", "middle");
    private static final String SAMPLING = "  sampling: --samples N (1) --seed S (0) --topk K (256; 1 = greedy) "
            + "--topp P (off) --temperature T (1.0) --greedy";
    private static final String MODELS = "  --model PKG (OFA package with image-code graphs)  --vqgan PKG (default: "
            + "the one inside --model)  --device cpu|cuda:N  --threads N  --json";

    private ImageCommands() {
    }

    static String help(String cmd) {
        return switch (cmd) {
            case "generate" -> "ofa generate --text \"a caption\" --output out.png\n" + SAMPLING + "\n" + MODELS;
            case "infill" -> "ofa infill --image FILE --output out.png (the image at 256 px, its middle 128 x 128 "
                    + "written by the model)\n" + SAMPLING + "\n" + MODELS;
            case "codes" -> "ofa codes --image FILE [--middle] [--json]   (1024 codes at 256 px; --middle: the "
                    + "256 codes of the middle 128 x 128, image infilling's target)\n" + MODELS;
            case "decode-codes" -> "ofa decode-codes (--codes \"12 7 4095 ...\" | --codes-file F) --output out.png "
                    + "(1024 codes: a 256 px image)\n" + MODELS;
            default -> throw new IllegalArgumentException(cmd);
        };
    }

    static void run(String cmd, Args a, PrintStream out) throws IOException {
        SessionSettings settings = OfaCli.sessionSettings(a);
        switch (cmd) {
            case "generate" -> {
                String text = a.required("text");
                Path output = outputPath(a);
                try (OfaModel model = OfaModel.load(OfaCli.modelPath(a), settings)) {
                    VqganModel vq = vqgan(a, model.modelPackage(), settings);
                    GeneratedImage img = new TextToImage(model, vq, sampling(a)).run(List.of(text)).get(0).get();
                    write(output, img, a, out);
                }
            }
            case "infill" -> {
                byte[] image = readImage(a);
                Path output = outputPath(a);
                try (OfaModel model = OfaModel.load(OfaCli.modelPath(a), settings)) {
                    VqganModel vq = vqgan(a, model.modelPackage(), settings);
                    GeneratedImage img = new ImageInfill(model, vq, sampling(a)).run(List.of(image)).get(0).get();
                    write(output, img, a, out);
                }
            }
            case "codes" -> {
                byte[] image = readImage(a);
                VqganModel vq = vqgan(a, null, settings);
                ImageCoding coding = new ImageCoding(vq);
                CodeGrid grid = (a.flag("middle") ? coding.middleCodes(List.of(image)) : coding.codes(List.of(image)))
                        .get(0).get();
                if (a.flag("json")) {
                    ObjectNode o = new ObjectMapper().createObjectNode();
                    ArrayNode codes = o.putArray("codes");
                    for (int c : grid.codes()) {
                        codes.add(c);
                    }
                    out.println(o.toString());
                } else {
                    out.println(join(grid.codes()));
                }
            }
            case "decode-codes" -> {
                String text;
                if (a.has("codes-file")) {
                    Path f = Path.of(a.get("codes-file"));
                    if (!Files.isRegularFile(f)) {
                        throw new IllegalArgumentException("Codes file not found: " + f);
                    }
                    text = Files.readString(f, StandardCharsets.UTF_8);
                } else {
                    text = a.required("codes");
                }
                Path output = outputPath(a);
                int[] codes = CodeGrid.parse(text);
                VqganModel vq = vqgan(a, null, settings);
                byte[] png = new CodeDecoding(vq).run(List.of(codes)).get(0).get();
                Files.write(output, png);
                int side = (int) Math.round(Math.sqrt(codes.length)) * vq.vqganPackage().downsampleFactor();
                out.println("Wrote " + output + " (" + side + "x" + side + ", " + codes.length + " codes)");
            }
            default -> throw new OfaCli.UsageException("unknown command '" + cmd + "'");
        }
    }

    /** --vqgan, else the VQGAN inside --model (its manifest is read without loading the OFA graphs). */
    private static VqganModel vqgan(Args a, ModelPackage loaded, SessionSettings settings) {
        if (a.has("vqgan")) {
            return VqganModel.shared(Path.of(a.get("vqgan")), settings);
        }
        ModelPackage pkg = loaded != null ? loaded : ModelPackage.open(OfaCli.modelPath(a));
        if (pkg.vqganPackage().isEmpty()) {
            throw new IllegalArgumentException("No VQGAN package: pass --vqgan PKG (a package made by ./ofa "
                    + "convert-vqgan), or use a --model converted with ./ofa convert --vqgan PKG (model " + pkg.name()
                    + " has none)");
        }
        return VqganModel.shared(pkg.vqganPackage().get(), settings);
    }

    static SamplingSettings sampling(Args a) {
        SamplingSettings s = SamplingSettings.reference();
        if (a.flag("greedy")) {
            s = SamplingSettings.greedy();
        }
        s = s.withSamples(a.intOr("samples", s.samples())).withTopK(a.intOr("topk", s.topK()));
        if (a.has("seed")) {
            try {
                s = s.withSeed(Long.parseLong(a.get("seed").trim()));
            } catch (NumberFormatException e) {
                throw new OfaCli.UsageException("option --seed must be an integer, got '" + a.get("seed") + "'");
            }
        }
        if (a.has("topp")) {
            s = s.withTopP(number(a, "topp"));
        }
        if (a.has("temperature")) {
            s = s.withTemperature(number(a, "temperature"));
        }
        return s;
    }

    private static double number(Args a, String name) {
        try {
            return Double.parseDouble(a.get(name).trim());
        } catch (NumberFormatException e) {
            throw new OfaCli.UsageException("option --" + name + " must be a number, got '" + a.get(name) + "'");
        }
    }

    private static Path outputPath(Args a) {
        Path p = Path.of(a.required("output"));
        Path parent = p.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new IllegalArgumentException("Output folder does not exist: " + parent);
        }
        return p;
    }

    private static byte[] readImage(Args a) throws IOException {
        Path p = Path.of(a.required("image"));
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("Image file not found: " + p);
        }
        return Files.readAllBytes(p);
    }

    private static void write(Path output, GeneratedImage img, Args a, PrintStream out) throws IOException {
        Files.write(output, img.png());
        if (a.flag("json")) {
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
