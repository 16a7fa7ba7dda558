package ai.ofa.task;

import ai.ofa.generate.SamplingSettings;
import ai.ofa.image.CodeGrid;
import ai.ofa.image.ImageDecoder;
import ai.ofa.image.ImagePreprocessor;
import ai.ofa.image.RgbImage;
import ai.ofa.image.VqganPixels;
import ai.ofa.model.ModelPackageException;
import ai.ofa.model.OfaModel;
import ai.ofa.model.SessionSettings;
import ai.ofa.model.VqganModel;
import ai.ofa.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Text-to-image, image infilling, codes and decode-codes end to end on the bundled test package and the reference
 * fixture's VQGAN: greedy codes equal PyTorch's first codes (goldens), the PNGs are the VQGAN's decoding of the
 * codes, the infilled image keeps every pixel outside the middle, sampling is reproducible by seed, and bad input
 * gets errors that say what is wrong.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageCodeTasksTest {
    private OfaModel model;
    private VqganModel vqgan;
    private JsonNode goldens;
    private Path root;

    @BeforeAll
    void load() throws IOException {
        root = Fixtures.projectRoot();
        model = OfaModel.load(root.resolve("models/ofa-tiny-random"), SessionSettings.DEFAULT.withThreads(2));
        vqgan = VqganModel.load(Fixtures.built("vqgan/reference/package"), SessionSettings.DEFAULT.withThreads(2));
        goldens = new ObjectMapper().readTree(root.resolve("models/ofa-tiny-random.goldens.json").toFile());
    }

    @AfterAll
    void close() {
        model.close();
        vqgan.close();
    }

    private JsonNode golden(String task, String key, String value) {
        for (JsonNode c : goldens.get("image_codes")) {
            if (c.get("task").asText().equals(task) && c.get(key).asText().equals(value)) {
                return c;
            }
        }
        throw new IllegalStateException("no golden " + task + " " + value);
    }

    private byte[] photo(String file) throws IOException {
        return Files.readAllBytes(root.resolve("testdata/ofa-reference/images").resolve(file));
    }

    private static void assertFirstCodes(JsonNode golden, CodeGrid got) {
        int[] codes = got.codes();
        for (int t = 0; t < golden.get("codes").size(); t++) {
            assertEquals(golden.get("codes").get(t).asInt(), codes[t], "code " + t);
            if (golden.get("margins").get(t).asDouble() < 1e-4) {
                return;
            }
        }
    }

    @Test
    void textToImageGreedyGivesPyTorchsFirstCodesAndTheirImage() {
        String caption = "a red circle on the left";
        GeneratedImage img = new TextToImage(model, vqgan, SamplingSettings.greedy()).run(List.of(caption)).get(0)
                .get();
        assertEquals(32, img.codes().rows());
        assertFirstCodes(golden("text_to_image", "caption", caption), img.codes());
        RgbImage png = new ImageDecoder().decode(img.png());
        assertEquals(256, png.width());
        assertArrayEquals(vqgan.decodeToImages(List.of(img.codes())).get(0).rgb(), png.rgb(), "PNG = VQGAN decode");
        assertEquals(1, img.candidates().size());
        assertTrue(Double.isFinite(img.score()) && img.score() < 0);
    }

    @Test
    void samplingIsReproducibleBySeedAndRankedByScore() {
        TextToImage seeded = new TextToImage(model, vqgan, SamplingSettings.reference().withSamples(2).withSeed(4));
        List<Outcome<GeneratedImage>> a = seeded.run(List.of("two dogs playing in the snow", "a cat"));
        List<Outcome<GeneratedImage>> b = seeded.run(List.of("two dogs playing in the snow"));
        GeneratedImage first = a.get(0).get();
        assertEquals(first.codes(), b.get(0).get().codes(), "same seed, same samples, whatever the batch");
        assertEquals(2, first.candidates().size());
        assertTrue(first.candidates().get(0).score() >= first.candidates().get(1).score());
        assertEquals(first.candidates().get(0).codes(), first.codes());
        assertNotEquals(first.candidates().get(0).codes(), first.candidates().get(1).codes());
        GeneratedImage other = new TextToImage(model, vqgan, SamplingSettings.reference().withSamples(2).withSeed(5))
                .run(List.of("two dogs playing in the snow")).get(0).get();
        assertNotEquals(first.codes(), other.codes(), "another seed, other samples");
    }

    @Test
    void infillWritesTheMiddleAndKeepsTheRest() throws IOException {
        byte[] bytes = photo("astronaut.png");
        List<Outcome<GeneratedImage>> out = new ImageInfill(model, vqgan, SamplingSettings.greedy())
                .run(List.of(bytes, new byte[]{1, 2, 3}));
        assertEquals(2, out.size(), "rows out == rows in");
        assertTrue(out.get(1).error().startsWith("item 1: Not an image"), out.get(1).error());
        GeneratedImage img = out.get(0).get();
        assertEquals(16, img.codes().rows());
        assertFirstCodes(golden("image_infill", "image", "astronaut"), img.codes());
        RgbImage got = new ImageDecoder().decode(img.png());
        RgbImage resized = ImageCoding.resized(new ImageDecoder().decode(bytes));
        RgbImage middle = vqgan.decodeToImages(List.of(img.codes())).get(0);
        assertArrayEquals(VqganPixels.paste(resized, middle, 64, 64).rgb(), got.rgb());
        assertArrayEquals(VqganPixels.crop(resized, 0, 0, 256, 64).rgb(), VqganPixels.crop(got, 0, 0, 256, 64).rgb());
        assertFalse(java.util.Arrays.equals(VqganPixels.crop(resized, 64, 64, 128, 128).rgb(), middle.rgb()));
    }

    @Test
    void codesOfAnImageAndOfItsMiddle() throws IOException {
        ImageCoding coding = new ImageCoding(vqgan);
        List<Outcome<CodeGrid>> codes = coding.codes(List.of(photo("astronaut.png"), new byte[0]));
        assertEquals(1024, codes.get(0).get().size());
        assertTrue(codes.get(1).error().startsWith("item 1: Empty image"), codes.get(1).error());
        RgbImage img = new ImageDecoder().decode(photo("hubble_deep_field.jpg"));
        CodeGrid middle = coding.middleCodes(List.of(photo("hubble_deep_field.jpg"))).get(0).get();
        assertEquals(16, middle.rows());
        float[] px = new float[3 * 128 * 128];
        VqganPixels.toSignedUnit(VqganPixels.crop(new RgbImage(ImagePreprocessor.resize(img, 256), 256, 256), 64, 64,
                128, 128).rgb(), 128, 128, px, 0);
        assertEquals(vqgan.encodePixels(new ai.ofa.model.Floats(px, new long[]{1, 3, 128, 128})).get(0).grid(),
                middle);
    }

    @Test
    void decodeCodesRefusesBadCodesByItem() {
        CodeDecoding decoding = new CodeDecoding(vqgan);
        int[] good = new int[1024];
        int[] outOfRange = new int[1024];
        outOfRange[10] = 8192;
        List<Outcome<byte[]>> out = decoding.run(List.of(good, outOfRange, new int[1000], new int[256]));
        assertEquals(256, new ImageDecoder().decode(out.get(0).get()).width());
        assertEquals("item 1: Code 11 of 1024 is 8192, outside the codebook [0, 8192)", out.get(1).error());
        assertTrue(out.get(2).error().contains("1000 codes do not form a square grid"), out.get(2).error());
        assertTrue(out.get(2).error().contains("1024"), out.get(2).error());
        assertEquals(128, new ImageDecoder().decode(out.get(3).get()).width(), "16 x 16 codes: a 128 px image");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> CodeGrid.parse("1 2 x3")).getMessage()
                .contains("Code 3 is 'x3', not an integer"));
    }

    @Test
    void emptyCaptionIsAnItemError() {
        List<Outcome<GeneratedImage>> out = new TextToImage(model, vqgan, SamplingSettings.greedy())
                .run(java.util.Arrays.asList("  ", null));
        assertEquals("item 0: caption is empty; text-to-image needs a caption", out.get(0).error());
        assertNull(out.get(1).value());
    }

    @Test
    void referencePromptKeepsTheCaptionsFirst128Words() {
        assertEquals(" what is the complete image? caption: A b",
                TextToImage.prompt("  A \t b \n"));
        String many = String.join(" ", java.util.Collections.nCopies(130, "w"));
        assertEquals(128, TextToImage.prompt(many).substring(TextToImage.PROMPT.length()).split(" ").length);
    }

    @Test
    void missingVqganPackageIsAClearError() {
        String msg = assertThrows(ModelPackageException.class,
                () -> VqganLocator.forModel(model, null, SessionSettings.DEFAULT)).getMessage();
        assertTrue(msg.contains("No VQGAN package for ofa-tiny-random") && msg.contains("--vqgan PKG"), msg);
        msg = assertThrows(ModelPackageException.class, () -> VqganLocator.forModel(model,
                root.resolve("no/such/vqgan"), SessionSettings.DEFAULT)).getMessage();
        assertTrue(msg.contains("VQGAN package not found: ") && msg.contains("./ofa convert-vqgan"), msg);
        msg = assertThrows(ModelPackageException.class, () -> VqganLocator.forModel(model,
                root.resolve("models/ofa-tiny-random"), SessionSettings.DEFAULT)).getMessage();
        assertTrue(msg.contains("it is an OFA model package"), msg);
    }

    @Test
    void aPackageWithoutTheImageCodeGraphsIsAClearError() {
        try (OfaModel scenes = OfaModel.load(root.resolve("models/ofa-scenes"), SessionSettings.DEFAULT)) {
            String msg = assertThrows(ModelPackageException.class,
                    () -> new TextToImage(scenes, vqgan, SamplingSettings.greedy())).getMessage();
            assertTrue(msg.contains("no image-code graphs") && msg.contains("./ofa convert"), msg);
        }
    }

    @Test
    void aVqganInsideThePackageIsFound(@TempDir Path tmp) throws IOException {
        Path pkg = tmp.resolve("ofa");
        copy(root.resolve("models/ofa-tiny-random"), pkg);
        copy(Fixtures.built("vqgan/reference/package"), pkg.resolve("vqgan"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode manifest = (ObjectNode) json.readTree(pkg.resolve("ofa-model.json").toFile());
        manifest.putObject("vqgan").put("folder", "vqgan").put("name", "vqgan-reference-fixture");
        json.writeValue(pkg.resolve("ofa-model.json").toFile(), manifest);
        try (OfaModel withVqgan = OfaModel.load(pkg, SessionSettings.DEFAULT)) {
            VqganModel found = VqganLocator.forModel(withVqgan, null, SessionSettings.DEFAULT);
            assertEquals("vqgan-reference-fixture", found.vqganPackage().name());
        }
        manifest.putObject("vqgan").put("folder", "elsewhere");
        json.writeValue(pkg.resolve("ofa-model.json").toFile(), manifest);
        String msg = assertThrows(ModelPackageException.class, () -> OfaModel.load(pkg, SessionSettings.DEFAULT))
                .getMessage();
        assertTrue(msg.contains("vqgan.folder 'elsewhere' names no VQGAN package"), msg);
    }

    static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, to.resolve(f.getFileName()));
                }
            }
        }
    }
}
