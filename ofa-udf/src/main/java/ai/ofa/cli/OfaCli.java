package ai.ofa.cli;

import ai.ofa.generate.SearchSettings;
import ai.ofa.model.Device;
import ai.ofa.model.OfaModel;
import ai.ofa.model.SessionSettings;
import ai.ofa.task.Box;
import ai.ofa.task.Captioning;
import ai.ofa.task.Classification;
import ai.ofa.task.Detection;
import ai.ofa.task.DetectionTask;
import ai.ofa.task.Entailment;
import ai.ofa.task.Grounding;
import ai.ofa.task.ImageTextMatching;
import ai.ofa.task.OfaResult;
import ai.ofa.task.Outcome;
import ai.ofa.task.RegionCaptioning;
import ai.ofa.task.Scoring;
import ai.ofa.task.Vqa;
import ai.ofa.text.BpeTokenizer;
import ai.ofa.text.TokenLayout;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The Java side of {@code ./ofa}: one subcommand per task. Strings are parsed here and only here.
 *
 * <pre>./ofa caption --image photo.jpg --json</pre>
 */
public final class OfaCli {
    static final Set<String> FLAGS = Set.of("json", "trie", "help", "spin-wait", "greedy", "middle");

    private final PrintStream out;
    private final PrintStream err;

    OfaCli(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        int code = new OfaCli(System.out, System.err).run(args);
        System.exit(code);
    }

    int run(String[] argv) {
        if (argv.length == 0) {
            err.println("usage: ofa <command> [options]; see ./ofa --help");
            return 2;
        }
        String cmd = argv[0];
        Args args;
        try {
            args = Args.parse(Arrays.copyOfRange(argv, 1, argv.length), FLAGS);
        } catch (IllegalArgumentException e) {
            err.println("ofa " + cmd + ": " + e.getMessage());
            return 2;
        }
        if (args.flag("help")) {
            out.println(help(cmd));
            return 0;
        }
        try {
            switch (cmd) {
                case "tokenize" -> tokenize(args);
                case "bench" -> Bench.run(args, out);
                case "bench-image" -> BenchImage.run(args, out);
                case "generate", "infill", "codes", "decode-codes" -> ImageCommands.run(cmd, args, out);
                default -> task(cmd, args);
            }
            return 0;
        } catch (UsageException e) {
            err.println("ofa " + cmd + ": " + e.getMessage());
            err.println(help(cmd));
            return 2;
        } catch (RuntimeException | IOException e) {
            err.println("ofa " + cmd + ": error: " + e.getMessage());
            return 1;
        }
    }

    static String help(String cmd) {
        String common = "  --model PKG (default: the bundled package)  --image FILE  --json  --device cpu|cuda:N"
                + "  --threads N  --spin-wait\n  decoding: --beam N --max-len N --min-len N --no-repeat-ngram N";
        return switch (cmd) {
            case "caption", "detect" -> "ofa " + cmd + " --image FILE\n" + common;
            case "ground" -> "ofa ground --image FILE --text \"the man on the left\"\n" + common;
            case "classify" -> "ofa classify --image FILE (--labels a,b,c | --labels-file F) [--trie]\n" + common;
            case "vqa" -> "ofa vqa --image FILE --question \"...\" [--answers-file F [--trie]]\n" + common;
            case "entail" -> "ofa entail --image FILE --hypothesis \"...\" [--premise \"...\"]\n" + common;
            case "itm" -> "ofa itm --image FILE --text \"...\"\n" + common;
            case "region-caption" -> "ofa region-caption --image FILE --box x0,y0,x1,y1\n" + common;
            case "score" -> "ofa score --image FILE --prompt \" what does the image describe?\" --target \" a dog\""
                    + " [--task caption]\n" + common;
            case "tokenize" -> "ofa tokenize --text \"...\" [--model PKG | --vocab vocab.json --merges merges.txt]";
            case "bench" -> Bench.HELP;
            case "bench-image" -> BenchImage.HELP;
            case "generate", "infill", "codes", "decode-codes" -> ImageCommands.help(cmd);
            default -> "unknown command '" + cmd + "'; see ./ofa --help";
        };
    }

    private void tokenize(Args a) {
        String text = a.required("text");
        BpeTokenizer tok;
        if (a.has("vocab") || a.has("merges")) {
            Path vocab = Path.of(a.required("vocab"));
            tok = BpeTokenizer.load(vocab, Path.of(a.required("merges")), null);
        } else {
            try (OfaModel m = OfaModel.load(modelPath(a), SessionSettings.DEFAULT)) {
                tok = m.tokenizer();
            }
        }
        int[] ids = tok.encode(text);
        ObjectMapper json = new ObjectMapper();
        ObjectNode o = json.createObjectNode();
        o.put("text", text);
        ArrayNode idArr = o.putArray("tokens");
        ArrayNode pieces = o.putArray("pieces");
        for (int id : ids) {
            idArr.add(id);
            pieces.add(tok.token(id));
        }
        out.println(o.toString());
    }

    static Path modelPath(Args a) {
        if (a.has("model")) {
            return Path.of(a.get("model"));
        }
        String home = System.getProperty("ofa.home", ".");
        return Path.of(home, "models", "ofa-scenes");
    }

    static SessionSettings sessionSettings(Args a) {
        int threads = a.intOr("threads", Math.max(1, Runtime.getRuntime().availableProcessors()));
        return new SessionSettings(Device.parse(a.getOr("device", "cpu")), threads,
                SessionSettings.Optimization.ALL, a.flag("spin-wait"));
    }

    static SearchSettings decoding(Args a, SearchSettings defaults) {
        SearchSettings s = defaults;
        if (a.has("beam")) {
            s = s.withBeam(a.intOr("beam", s.beamSize()));
        }
        if (a.has("max-len")) {
            s = s.withMaxLen(a.intOr("max-len", s.maxLen()));
        }
        if (a.has("min-len")) {
            s = s.withMinLen(a.intOr("min-len", s.minLen()));
        }
        if (a.has("no-repeat-ngram")) {
            s = s.withNoRepeatNgram(a.intOr("no-repeat-ngram", s.noRepeatNgram()));
        }
        return s;
    }

    private void task(String cmd, Args a) throws IOException {
        if (!Set.of("caption", "ground", "detect", "classify", "vqa", "entail", "itm", "region-caption", "score")
                .contains(cmd)) {
            throw new UsageException("unknown command '" + cmd + "'");
        }
        Path imagePath = Path.of(a.required("image"));
        if (!Files.isRegularFile(imagePath)) {
            throw new IllegalArgumentException("Image file not found: " + imagePath);
        }
        List<byte[]> images = List.of(Files.readAllBytes(imagePath));
        try (OfaModel model = OfaModel.load(modelPath(a), sessionSettings(a))) {
            List<Outcome<OfaResult>> results = switch (cmd) {
                case "caption" -> new Captioning(model, decoding(a, Captioning.DEFAULTS)).run(images);
                case "ground" -> new Grounding(model, decoding(a, Grounding.DEFAULTS))
                        .run(images, List.of(a.required("text")));
                case "detect" -> new DetectionTask(model, decoding(a, DetectionTask.DEFAULTS)).run(images);
                case "classify" -> new Classification(model, a.flag("trie"),
                        decoding(a, SearchSettings.beam(5).withMaxLen(32))).run(images, labels(a));
                case "vqa" -> a.has("answers-file")
                        ? new Vqa(model, a.flag("trie") ? Vqa.Mode.TRIE : Vqa.Mode.ALL_CANDIDATES,
                        decoding(a, SearchSettings.beam(5).withMaxLen(16)))
                        .run(images, List.of(a.required("question")), lines(Path.of(a.get("answers-file"))))
                        : new Vqa(model, Vqa.Mode.FREE, decoding(a, SearchSettings.beam(5).withMaxLen(16)))
                        .run(images, List.of(a.required("question")), null);
                case "entail" -> new Entailment(model).run(images, List.of(a.required("hypothesis")),
                        a.has("premise") ? List.of(a.get("premise")) : null);
                case "itm" -> new ImageTextMatching(model).run(images, List.of(a.required("text")));
                case "region-caption" -> new RegionCaptioning(model, decoding(a, Captioning.DEFAULTS))
                        .run(images, List.of(Box.parse(a.required("box"))));
                case "score" -> new Scoring(model, a.getOr("task", "score"))
                        .run(images, List.of(a.required("prompt")), List.of(a.required("target")));
                default -> throw new UsageException("unknown command '" + cmd + "'");
            };
            OfaResult r = results.get(0).get();
            if (a.flag("json")) {
                out.println(toJson(r).toString());
            } else {
                out.println(human(cmd, r));
            }
        }
    }

    private static List<String> labels(Args a) throws IOException {
        if (a.has("labels-file")) {
            return lines(Path.of(a.get("labels-file")));
        }
        List<String> labels = new ArrayList<>();
        for (String s : a.required("labels").split(",")) {
            if (!s.isBlank()) {
                labels.add(s.trim());
            }
        }
        if (labels.isEmpty()) {
            throw new UsageException("--labels has no label");
        }
        return labels;
    }

    private static List<String> lines(Path p) throws IOException {
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("File not found: " + p);
        }
        List<String> out = new ArrayList<>();
        for (String l : Files.readAllLines(p, StandardCharsets.UTF_8)) {
            if (!l.isBlank()) {
                out.add(l.trim());
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("File " + p + " has no non-empty line");
        }
        return out;
    }

    static ObjectNode toJson(OfaResult r) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode o = json.createObjectNode();
        o.put("text", r.text());
        ArrayNode tokens = o.putArray("tokens");
        for (int t : r.tokens()) {
            tokens.add(t);
        }
        ArrayNode lps = o.putArray("token_logprobs");
        for (float f : r.tokenLogprobs()) {
            lps.add(f);
        }
        o.put("score", r.score());
        if (r.box() != null) {
            o.set("box", box(json, r.box()));
            ArrayNode bins = o.putArray("bins");
            for (int b : r.bins()) {
                bins.add(b);
            }
        }
        if (r.detections() != null) {
            ArrayNode dets = o.putArray("detections");
            for (Detection d : r.detections()) {
                ObjectNode n = dets.addObject();
                n.put("label", d.label());
                n.set("box", box(json, d.box()));
                n.put("score", d.score());
            }
        }
        if (r.label() != null) {
            o.put("label", r.label());
        }
        if (r.answer() != null) {
            o.put("answer", r.answer());
        }
        if (r.probability() != null) {
            o.put("probability", r.probability());
        }
        return o;
    }

    private static ObjectNode box(ObjectMapper json, Box b) {
        ObjectNode n = json.createObjectNode();
        n.put("x0", b.x0());
        n.put("y0", b.y0());
        n.put("x1", b.x1());
        n.put("y1", b.y1());
        return n;
    }

    private static String human(String cmd, OfaResult r) {
        return switch (cmd) {
            case "ground" -> String.format("box x0=%.1f y0=%.1f x1=%.1f y1=%.1f  (bins %s, score %.4f)",
                    r.box().x0(), r.box().y0(), r.box().x1(), r.box().y1(), Arrays.toString(r.bins()), r.score());
            case "detect" -> {
                StringBuilder s = new StringBuilder(r.detections().size() + " object(s)");
                for (Detection d : r.detections()) {
                    s.append(String.format("%n  %s  [%.1f, %.1f, %.1f, %.1f]  score %.3f", d.label(), d.box().x0(),
                            d.box().y0(), d.box().x1(), d.box().y1(), d.score()));
                }
                yield s.toString();
            }
            case "classify" -> r.label() + String.format("  (p=%.3f among the labels)", r.probability());
            case "itm" -> r.answer() + String.format("  (P(yes)=%.3f)", r.probability());
            case "vqa", "entail" -> r.answer() + (r.probability() != null
                    ? String.format("  (p=%.3f among the answers)", r.probability()) : "");
            case "score" -> String.format("%.6f  (sum of %d token log-probs)", r.score(), r.tokens().length);
            default -> r.text();
        };
    }

    /** A usage mistake: printed with the command's help, exit code 2. */
    static final class UsageException extends IllegalArgumentException {
        UsageException(String message) {
            super(message);
        }
    }
}
