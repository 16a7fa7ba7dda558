package ai.ofa.task;

import ai.ofa.model.OfaModel;
import ai.ofa.model.SessionSettings;
import ai.ofa.testing.Fixtures;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bundled trained model ({@code models/ofa-scenes}) answers right on the main command's sample scenes
 * ({@code examples/scenes}, held-out scenes with their truth in {@code gold.jsonl}), through the Java runtime alone
 * with the tasks' default settings. The floors are those of the README's figures for this model, less a margin
 * for 12 scenes; random weights score 0 on every task. The 500-scene figures come from
 * {@code scripts/evaluate-scenes.sh}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BundledScenesModelTest {
    private OfaModel model;
    private final List<JsonNode> gold = new ArrayList<>();
    private final List<byte[]> images = new ArrayList<>();
    private List<String> labels;

    @BeforeAll
    void load() throws IOException {
        Path root = Fixtures.projectRoot();
        Path examples = root.resolve("examples/scenes");
        model = OfaModel.load(root.resolve("models/ofa-scenes"), SessionSettings.DEFAULT.withThreads(2));
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(examples.resolve("gold.jsonl"))) {
            JsonNode g = json.readTree(line);
            gold.add(g);
            images.add(Files.readAllBytes(examples.resolve("images").resolve(g.get("file").asText())));
        }
        labels = Files.readAllLines(examples.resolve("labels.txt")).stream().filter(l -> !l.isBlank()).toList();
        assertEquals(12, gold.size(), "examples/scenes/gold.jsonl");
    }

    @AfterAll
    void close() {
        model.close();
    }

    @Test
    void captionsNameEveryObject() {
        List<Outcome<OfaResult>> out = new Captioning(model).run(images);
        atLeast(8, "captions naming every object's colour and shape", i -> {
            String text = " " + out.get(i).get().text().toLowerCase().replace(",", " ") + " ";
            for (JsonNode o : gold.get(i).get("objects")) {
                String name = " " + o.get("colour").asText() + " " + o.get("shape").asText();
                if (!text.contains(name + " ") && !text.contains(name + "s ")) {
                    return false;
                }
            }
            return true;
        }, i -> out.get(i).get().text());
    }

    @Test
    void groundingFindsTheNamedObject() {
        List<String> texts = gold.stream().map(g -> g.get("text").asText()).toList();
        List<Outcome<OfaResult>> out = new Grounding(model).run(images, texts);
        atLeast(10, "grounding boxes with IoU >= 0.5", i -> out.get(i).get().box().iou(box(gold.get(i).get("text_box")))
                >= 0.5, i -> texts.get(i) + " -> " + out.get(i).get().box());
    }

    @Test
    void detectionFindsTheObjects() {
        List<Outcome<OfaResult>> out = new DetectionTask(model).run(images);
        atLeast(6, "scenes whose every object is detected (its shape, IoU >= 0.5)", i -> {
            for (JsonNode o : gold.get(i).get("objects")) {
                boolean found = out.get(i).get().detections().stream().anyMatch(d -> d.label().equals(
                        o.get("shape").asText()) && d.box().iou(box(o.get("box"))) >= 0.5);
                if (!found) {
                    return false;
                }
            }
            return true;
        }, i -> out.get(i).get().detections().stream().map(d -> d.label() + " " + d.box()).toList().toString());
    }

    @Test
    void questionsAreAnswered() {
        List<String> questions = gold.stream().map(g -> g.get("question").asText()).toList();
        List<Outcome<OfaResult>> out = new Vqa(model, Vqa.Mode.FREE).run(images, questions, List.of());
        atLeast(10, "right answers", i -> out.get(i).get().answer().equals(gold.get(i).get("answer").asText()),
                i -> questions.get(i) + " -> " + out.get(i).get().answer());
    }

    @Test
    void classificationPicksTheLargestObject() {
        List<Outcome<OfaResult>> out = new Classification(model).run(images, labels);
        atLeast(10, "right labels", i -> out.get(i).get().label().equals(gold.get(i).get("label").asText()),
                i -> out.get(i).get().label());
    }

    private void atLeast(int floor, String what, IntPredicate right, java.util.function.IntFunction<String> said) {
        int n = 0;
        StringBuilder wrong = new StringBuilder();
        for (int i = 0; i < gold.size(); i++) {
            if (right.test(i)) {
                n++;
            } else {
                wrong.append("\n  ").append(gold.get(i).get("file").asText()).append(": ").append(said.apply(i));
            }
        }
        System.out.println("bundled model on examples/scenes: " + n + " of " + gold.size() + " " + what);
        assertTrue(n >= floor, n + " of " + gold.size() + " " + what + ", expected at least " + floor + "; wrong:"
                + wrong);
    }

    private static Box box(JsonNode xyxy) {
        return new Box(xyxy.get(0).asDouble(), xyxy.get(1).asDouble(), xyxy.get(2).asDouble(), xyxy.get(3).asDouble());
    }
}
