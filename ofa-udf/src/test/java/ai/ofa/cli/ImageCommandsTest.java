package ai.ofa.cli;

import ai.ofa.image.ImageDecoder;
import ai.ofa.image.RgbImage;
import ai.ofa.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * generate, infill, codes and decode-codes run as a user types them ({@code ./ofa <command> ...} hands exactly
 * these arguments to OfaCli): exit codes, the files written, the JSON printed, and the errors for bad codes, a
 * wrong code count and a missing VQGAN package.
 */
class ImageCommandsTest {
    @TempDir
    Path tmp;

    private final String model = Fixtures.projectRoot().resolve("models/ofa-tiny-random").toString();
    private final String vqgan = Fixtures.built("vqgan/reference/package").toString();
    private final String photo = Fixtures.projectRoot().resolve("testdata/ofa-reference/images/astronaut.png")
            .toString();

    private record Run(int code, String out, String err) {
    }

    private static Run ofa(String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new OfaCli(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8)).run(argv);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static RgbImage png(Path p) throws Exception {
        return new ImageDecoder().decode(Files.readAllBytes(p));
    }

    @Test
    void generateWritesAPngAndPrintsItsCodes() throws Exception {
        Path out = tmp.resolve("gen.png");
        Run r = ofa("generate", "--model", model, "--vqgan", vqgan, "--text", "a red circle on the left",
                "--output", out.toString(), "--samples", "2", "--seed", "3", "--topk", "20", "--json",
                "--threads", "2");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(1024, j.get("codes").size());
        assertEquals(2, j.get("candidates").size());
        assertTrue(j.get("candidates").get(0).get("score").asDouble() >= j.get("candidates").get(1).get("score")
                .asDouble());
        assertEquals(256, png(out).width());
        Run again = ofa("generate", "--model", model, "--vqgan", vqgan, "--text", "a red circle on the left",
                "--output", tmp.resolve("again.png").toString(), "--samples", "2", "--seed", "3", "--topk", "20",
                "--json", "--threads", "2");
        assertEquals(j.get("codes"), new ObjectMapper().readTree(again.out()).get("codes"), "--seed reproduces");
        assertTrue(ofa("generate", "--help").out().contains("--temperature"));
    }

    @Test
    void infillWritesA256PxImage() throws Exception {
        Path out = tmp.resolve("infill.png");
        Run r = ofa("infill", "--model", model, "--vqgan", vqgan, "--image", photo, "--output", out.toString(),
                "--greedy", "--threads", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("Wrote " + out + " (256x256, 256 codes"), r.out());
        assertEquals(256, png(out).height());
    }

    @Test
    void codesThenDecodeCodesRoundTrip() throws Exception {
        Run codes = ofa("codes", "--vqgan", vqgan, "--image", photo, "--json");
        assertEquals(0, codes.code(), codes.err());
        JsonNode j = new ObjectMapper().readTree(codes.out());
        assertEquals(1024, j.get("codes").size());
        List<String> list = new ArrayList<>();
        j.get("codes").forEach(c -> list.add(c.asText()));
        Run plain = ofa("codes", "--vqgan", vqgan, "--image", photo);
        assertEquals(String.join(" ", list), plain.out().trim());
        Run middle = ofa("codes", "--vqgan", vqgan, "--image", photo, "--middle");
        assertEquals(256, middle.out().trim().split(" ").length);

        Path out = tmp.resolve("decoded.png");
        Run dec = ofa("decode-codes", "--vqgan", vqgan, "--codes", String.join(" ", list), "--output", out.toString());
        assertEquals(0, dec.code(), dec.err());
        assertEquals("Wrote " + out + " (256x256, 1024 codes)", dec.out().trim());
        assertEquals(256, png(out).width());
        Files.writeString(tmp.resolve("codes.txt"), String.join(" ", list) + "\n");
        assertEquals(0, ofa("decode-codes", "--vqgan", vqgan, "--codes-file", tmp.resolve("codes.txt").toString(),
                "--output", tmp.resolve("f.png").toString()).code());
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(out), Files.readAllBytes(tmp.resolve("f.png"))));
    }

    @Test
    void badCodesWrongCountAndMissingVqganAreClearErrors() {
        String out = tmp.resolve("x.png").toString();
        Run range = ofa("decode-codes", "--vqgan", vqgan, "--codes", "1 2 9000 4", "--output", out);
        assertEquals(1, range.code());
        assertTrue(range.err().contains("Code 3 of 4 is 9000, outside the codebook [0, 8192)"), range.err());
        Run count = ofa("decode-codes", "--vqgan", vqgan, "--codes", "1 2 3", "--output", out);
        assertTrue(count.err().contains("3 codes do not form a square grid") && count.err().contains("1024"),
                count.err());
        Run text = ofa("decode-codes", "--vqgan", vqgan, "--codes", "1 two 3 4", "--output", out);
        assertTrue(text.err().contains("Code 2 is 'two', not an integer"), text.err());
        Run missing = ofa("codes", "--model", model, "--image", photo);
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("No VQGAN package: pass --vqgan PKG"), missing.err());
        Run notFound = ofa("codes", "--vqgan", tmp.resolve("nope").toString(), "--image", photo);
        assertTrue(notFound.err().contains("VQGAN package not found"), notFound.err());
        Run usage = ofa("generate", "--model", model, "--vqgan", vqgan, "--output", out);
        assertEquals(2, usage.code());
        assertTrue(usage.err().contains("Missing required option: '--text=TEXT'"), usage.err());
        Run badTopP = ofa("generate", "--model", model, "--vqgan", vqgan, "--text", "x", "--output", out,
                "--topp", "2");
        assertTrue(badTopP.err().contains("top-p must be in [0, 1]"), badTopP.err());
    }
}
