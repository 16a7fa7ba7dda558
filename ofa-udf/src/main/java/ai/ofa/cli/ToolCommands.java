package ai.ofa.cli;

import ai.ofa.image.ImageDecoder;
import ai.ofa.image.ImagePreprocessor;
import ai.ofa.image.PngWriter;
import ai.ofa.image.RgbImage;
import ai.ofa.model.ModelPackage;
import ai.ofa.model.OfaModel;
import ai.ofa.model.SessionSettings;
import ai.ofa.text.BpeTokenizer;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Commands that look inside the pipeline: the token ids of a text, and the exact pixels a task feeds the model.
 *
 * <pre>./ofa preprocess --image photo.jpg --task ground --output ground-512.png</pre>
 */
final class ToolCommands {
    private ToolCommands() {
    }

    @Command(name = "tokenize", description = "BPE token ids of a text: framed by <s> ... </s> with a package's "
            + "vocabulary, plain pieces with GPT-2's own files (encoder.json + vocab.bpe), which have no <s>.")
    static final class Tokenize implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--text", required = true, paramLabel = "TEXT", description = "the text")
        String text;

        /** A package's vocabulary, or a pair of BPE files. */
        static final class Vocabulary {
            @Option(names = "--model", paramLabel = "PKG", description = "model package whose vocabulary to use "
                    + "(default: the bundled package)")
            Path model;
            @ArgGroup(exclusive = false)
            Files files;
        }

        static final class Files {
            @Option(names = "--vocab", required = true, paramLabel = "FILE", description = "vocab.json / GPT-2's "
                    + "encoder.json")
            Path vocab;
            @Option(names = "--merges", required = true, paramLabel = "FILE", description = "merges.txt / GPT-2's "
                    + "vocab.bpe")
            Path merges;
        }

        @ArgGroup(exclusive = true)
        Vocabulary vocabulary;

        @Override
        public Integer call() {
            BpeTokenizer tok;
            if (vocabulary != null && vocabulary.files != null) {
                tok = BpeTokenizer.load(vocabulary.files.vocab, vocabulary.files.merges, null);
            } else {
                Path pkg = vocabulary != null && vocabulary.model != null ? vocabulary.model
                        : CommonOptions.bundledModel();
                try (OfaModel m = OfaModel.load(pkg, SessionSettings.DEFAULT)) {
                    tok = m.tokenizer();
                }
            }
            boolean framed = tok.framed();
            int[] ids = framed ? tok.encode(text) : tok.encodePieces(text);
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("text", text);
            o.put("framed", framed);
            ArrayNode idArr = o.putArray("tokens");
            ArrayNode pieces = o.putArray("pieces");
            for (int id : ids) {
                idArr.add(id);
                pieces.add(tok.token(id));
            }
            spec.commandLine().getOut().println(o.toString());
            return 0;
        }
    }

    @Command(name = "preprocess", description = "Write the exact 8-bit RGB a task feeds the model, after decoding "
            + "(as Pillow's convert('RGB')) and the task's BICUBIC resize, before normalisation: for comparing "
            + "with a Python pipeline.")
    static final class Preprocess implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        CommonOptions.Image image;
        @Option(names = "--task", paramLabel = "TASK", defaultValue = "caption", description = "whose resolution "
                + "to use, from the package's manifest: caption, vqa, entailment, classification, itm, score "
                + "(480 in OFA's packages), grounding, region_caption, detection (512); default: ${DEFAULT-VALUE}")
        String task;
        @Option(names = "--size", paramLabel = "N", description = "the square size instead of the task's")
        Integer size;
        @Option(names = "--model", paramLabel = "PKG", description = "package whose manifest gives the task's size "
                + "(default: the bundled package)")
        Path model;
        @Option(names = "--output", required = true, paramLabel = "OUT.png", description = "the PNG to write")
        Path output;

        @Override
        public Integer call() throws IOException {
            int s = size != null ? CommonOptions.positive("--size", size)
                    : ModelPackage.open(model != null ? model : CommonOptions.bundledModel())
                    .image().resolutionFor(task.toLowerCase(Locale.ROOT).replace('-', '_'));
            Path out = CommonOptions.output(output);
            RgbImage img = new ImageDecoder().decode(image.read());
            byte[] rgb = ImagePreprocessor.resize(img, s);
            Files.write(out, PngWriter.encode(new RgbImage(rgb, s, s)));
            spec.commandLine().getOut().printf("Wrote %s (%dx%d RGB, from %dx%d)%n", out, s, s, img.width(),
                    img.height());
            return 0;
        }
    }
}
