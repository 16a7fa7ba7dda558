package ai.ofa.cli;

import ai.ofa.generate.SearchSettings;
import ai.ofa.model.OfaModel;
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
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * One command per OFA task: load the package, run the task on one image, print the answer (or {@code --json}).
 *
 * <pre>./ofa ground --image photo.jpg --text "the man on the left" --json</pre>
 */
final class TaskCommands {
    private TaskCommands() {
    }

    /** What every task command shares; a subclass names its task and runs it. */
    abstract static class TaskCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        CommonOptions.Image image;
        @Mixin
        CommonOptions.Model model;
        @Mixin
        CommonOptions.Decoding decoding;
        @Option(names = "--json", description = "print one JSON object: text, tokens, token_logprobs, score and the "
                + "task's fields")
        boolean json;

        abstract List<Outcome<OfaResult>> run(OfaModel m, List<byte[]> images) throws IOException;

        @Override
        public Integer call() throws IOException {
            List<byte[]> images = List.of(image.read());
            try (OfaModel m = OfaModel.load(model.path(), model.session())) {
                OfaResult r = run(m, images).get(0).get();
                spec.commandLine().getOut().println(json ? toJson(r).toString() : human(spec.name(), r));
            }
            return 0;
        }
    }

    @Command(name = "caption", description = "Describe an image (beam 5, at most 16 tokens, no repeated trigram).")
    static final class Caption extends TaskCommand {
        @Override
        List<Outcome<OfaResult>> run(OfaModel m, List<byte[]> images) {
            return new Captioning(m, decoding.over(Captioning.DEFAULTS)).run(images);
        }
    }

    @Command(name = "ground", description = "Locate the region a text describes (4 location bins, 512 px).")
    static final class Ground extends TaskCommand {
        @Option(names = "--text", required = true, paramLabel = "TEXT", description = "the referring expression")
        String text;

        @Override
        List<Outcome<OfaResult>> run(OfaModel m, List<byte[]> images) {
            return new Grounding(m, decoding.over(Grounding.DEFAULTS)).run(images, List.of(text));
        }
    }

    @Command(name = "detect", description = "List the objects with their boxes.")
    static final class Detect extends TaskCommand {
        @Override
        List<Outcome<OfaResult>> run(OfaModel m, List<byte[]> images) {
            return new DetectionTask(m, decoding.over(DetectionTask.DEFAULTS)).run(images);
        }
    }

    /** Exactly one of a comma list and a file of lines. */
    static final class Labels {
        @Option(names = "--labels", paramLabel = "A,B,C", split = ",", required = true,
                description = "the candidate labels, comma-separated")
        List<String> list;
        @Option(names = "--labels-file", paramLabel = "FILE", required = true,
                description = "the candidate labels, one per line")
        Path file;

        List<String> values() throws IOException {
            if (file != null) {
                return lines(file);
            }
            List<String> out = list.stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
            if (out.isEmpty()) {
                throw new OfaCli.UsageException("--labels has no label");
            }
            return out;
        }
    }

    @Command(name = "classify", description = "Pick the most likely label: every label scored after one encoder "
            + "pass, or decoded through a prefix trie of the labels (--trie).")
    static final class Classify extends TaskCommand {
        @ArgGroup(multiplicity = "1")
        Labels labels;
        @Option(names = "--trie", description = "decode through a prefix trie of the labels instead of scoring each")
        boolean trie;

        @Override
        List<Outcome<OfaResult>> run(OfaModel m, List<byte[]> images) throws IOException {
            return new Classification(m, trie, decoding.over(SearchSettings.beam(5).withMaxLen(32)))
                    .run(images, labels.values());
        }
    }

    @Command(name = "vqa", description = "Answer a question: free text, or the best of an answer list "
            + "(--answers-file; scored, or through a trie with --trie).")
    static final class VqaCommand extends TaskCommand {
        @Option(names = "--question", required = true, paramLabel = "TEXT", description = "the question")
        String question;
        @Option(names = "--answers-file", paramLabel = "FILE", description = "candidate answers, one per line")
        Path answers;
        @Option(names = "--trie", description = "with --answers-file: decode through a prefix trie of the answers")
        boolean trie;

        @Override
        List<Outcome<OfaResult>> run(OfaModel m, List<byte[]> images) throws IOException {
            SearchSettings s = decoding.over(SearchSettings.beam(5).withMaxLen(16));
            if (answers == null) {
                if (trie) {
                    throw new OfaCli.UsageException("--trie needs --answers-file");
                }
                return new Vqa(m, Vqa.Mode.FREE, s).run(images, List.of(question), null);
            }
            return new Vqa(m, trie ? Vqa.Mode.TRIE : Vqa.Mode.ALL_CANDIDATES, s)
                    .run(images, List.of(question), lines(answers));
        }
    }

    @Command(name = "entail", description = "Visual entailment: yes, no or maybe, with its probability.")
    static final class Entail extends TaskCommand {
        @Option(names = "--hypothesis", required = true, paramLabel = "TEXT", description = "the hypothesis")
        String hypothesis;
        @Option(names = "--premise", paramLabel = "TEXT", description = "an optional text premise")
        String premise;

        @Override
        List<Outcome<OfaResult>> run(OfaModel m, List<byte[]> images) {
            return new Entailment(m).run(images, List.of(hypothesis), premise == null ? null : List.of(premise));
        }
    }

    @Command(name = "itm", description = "Image-text matching: does the text describe the image (P(yes)).")
    static final class Itm extends TaskCommand {
        @Option(names = "--text", required = true, paramLabel = "TEXT", description = "the text to match")
        String text;

        @Override
        List<Outcome<OfaResult>> run(OfaModel m, List<byte[]> images) {
            return new ImageTextMatching(m).run(images, List.of(text));
        }
    }

    @Command(name = "region-caption", description = "Describe the region inside a box.")
    static final class RegionCaption extends TaskCommand {
        @Option(names = "--box", required = true, paramLabel = "X0,Y0,X1,Y1", description = "the region, in pixels")
        String box;

        @Override
        List<Outcome<OfaResult>> run(OfaModel m, List<byte[]> images) {
            return new RegionCaptioning(m, decoding.over(Captioning.DEFAULTS)).run(images, List.of(Box.parse(box)));
        }
    }

    @Command(name = "score", description = "The log-probability of a target text after a prompt (sum of its token "
            + "log-probs, eos included).")
    static final class Score extends TaskCommand {
        @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "the prompt, e.g. \" what "
                + "does the image describe?\"")
        String prompt;
        @Option(names = "--target", required = true, paramLabel = "TEXT", description = "the target, e.g. \" a dog\"")
        String target;
        @Option(names = "--task", paramLabel = "TASK", defaultValue = "score", description = "whose image resolution "
                + "to use (caption, vqa, grounding, ...; default: ${DEFAULT-VALUE})")
        String task;

        @Override
        List<Outcome<OfaResult>> run(OfaModel m, List<byte[]> images) {
            return new Scoring(m, task).run(images, List.of(prompt), List.of(target));
        }
    }

    static List<String> lines(Path p) throws IOException {
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

    static String human(String cmd, OfaResult r) {
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
}
