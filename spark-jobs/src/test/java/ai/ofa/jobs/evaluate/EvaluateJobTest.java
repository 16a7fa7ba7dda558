package ai.ofa.jobs.evaluate;

import ai.ofa.spark.ResultSchema;
import ai.ofa.task.Box;
import ai.ofa.task.Detection;
import ai.ofa.task.OfaResult;
import ai.ofa.task.Outcome;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The evaluate job on local[1]: an enrich-shaped output against gold files in the datasets' formats. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EvaluateJobTest {
    private SparkSession spark;
    private static final Map<String, String> PROV = Map.of("model_name", "m", "model_sha256", "0",
            "onnxruntime_version", "1");

    @BeforeAll
    void start() {
        spark = SparkSession.builder().master("local[1]").appName("evaluate-test").config("spark.ui.enabled", "false")
                .getOrCreate();
    }

    @AfterAll
    void stop() {
        spark.stop();
    }

    /** Writes OUT/data/_source_id=s/part.parquet with a key and one result column, as the enrich job does. */
    private Path predictions(Path tmp, String column, List<Object[]> keyAndOutcome) {
        StructType schema = new StructType().add("key", DataTypes.StringType).add(column, ResultSchema.RESULT);
        List<Row> rows = new ArrayList<>();
        for (Object[] r : keyAndOutcome) {
            @SuppressWarnings("unchecked") Outcome<OfaResult> o = (Outcome<OfaResult>) r[1];
            rows.add(RowFactory.create(r[0], ResultSchema.toRow(o, PROV)));
        }
        Path out = tmp.resolve("enriched");
        spark.createDataFrame(rows, schema).write().parquet(out.resolve("data/_source_id=s").toString());
        return out;
    }

    private static Outcome<OfaResult> answered(String text, String answer) {
        return Outcome.ok(OfaResult.ofText(text, new int[0], new float[0], 0).withAnswer(answer));
    }

    private static Outcome<OfaResult> text(String t) {
        return Outcome.ok(OfaResult.ofText(t, new int[0], new float[0], -1));
    }

    private Evaluation.Report evaluate(Path preds, Path gold, String task, Path out, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--predictions", preds.toString(), "--gold", gold.toString(),
                "--task", task, "--output", out.toString()));
        args.addAll(List.of(extra));
        return EvaluateJob.run(spark, EvaluateJob.parse(args.toArray(new String[0])));
    }

    private static void assertPng(Path p) throws Exception {
        BufferedImage img = ImageIO.read(p.toFile());
        assertNotNull(img, p + " is not a PNG");
        assertTrue(img.getWidth() >= 800 && img.getHeight() >= 500, p.toString());
    }

    @Test
    void captionsAgainstCocoCaptions(@TempDir Path tmp) throws Exception {
        Path preds = predictions(tmp, "caption", List.of(
                new Object[]{"file:/images/COCO_val2014_000000000001.jpg", text("a b")},
                new Object[]{"2", text("c d")}));
        Path gold = tmp.resolve("captions.json");
        Files.writeString(gold, """
                {"images": [{"id": 1, "file_name": "COCO_val2014_000000000001.jpg"}, {"id": 2, "file_name": "x.jpg"},
                            {"id": 3, "file_name": "y.jpg"}],
                 "annotations": [{"image_id": 1, "caption": "A b."}, {"image_id": 2, "caption": "c d"},
                                 {"image_id": 3, "caption": "e f"}]}""");
        Evaluation.Report r = evaluate(preds, gold, "caption", tmp.resolve("eval"));
        assertEquals(3, r.metrics().get("images"));
        assertEquals(1, r.metrics().get("missing"), "image 3 has no prediction: it scores zero");
        // two perfect 2-word captions (5 each, see CaptionMetricsTest) and one empty: (5 + 5 + 0) / 3
        assertEquals(10.0 / 3, (double) r.metrics().get("CIDEr-D"), 1e-9);
        assertEquals(2.0 / 3, (double) r.metrics().get("ROUGE-L"), 1e-9);
        assertTrue(Files.readString(tmp.resolve("eval/metrics.txt")).contains("CIDEr-D"));
        assertTrue(Files.readString(tmp.resolve("eval/metrics.json")).contains("\"BLEU-4\""));
        assertPng(tmp.resolve("eval/cider_histogram.png"));
        // each scored prediction, one JSON object per line
        List<String> lines = Files.readAllLines(tmp.resolve("eval/predictions.jsonl"));
        com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
        Map<String, String> texts = new java.util.HashMap<>();
        for (String l : lines) {
            com.fasterxml.jackson.databind.JsonNode n = m.readTree(l);
            texts.put(n.path("key").asText(), n.path("text").asText(null));
        }
        assertEquals(lines.size(), texts.size());
        assertTrue(texts.containsValue("a b"), texts.toString());
    }

    @Test
    void groundingAgainstRefsWithInstances(@TempDir Path tmp) throws Exception {
        Outcome<OfaResult> hit = Outcome.ok(OfaResult.ofText("", new int[0], new float[0], 0)
                .withBox(new Box(0, 0, 10, 10), new int[4]));
        Outcome<OfaResult> miss = Outcome.ok(OfaResult.ofText("", new int[0], new float[0], 0)
                .withBox(new Box(50, 50, 60, 60), new int[4]));
        Path preds = predictions(tmp, "grounding", List.of(new Object[]{"r1", hit}, new Object[]{"r2", miss},
                new Object[]{"r3", Outcome.<OfaResult>failed("item 3: corrupt image")}));
        Path refs = tmp.resolve("refs.json");
        Files.writeString(refs, """
                [{"ref_id": "r1", "ann_id": 7, "sentences": [{"sent": "the left one"}]},
                 {"ref_id": "r2", "bbox": [0, 0, 10, 10]}, {"ref_id": "r3", "box": [0, 0, 5, 5]}]""");
        Path instances = tmp.resolve("instances.json");
        Files.writeString(instances, "{\"annotations\": [{\"id\": 7, \"bbox\": [0, 0, 10, 20]}]}");
        Evaluation.Report r = evaluate(preds, refs, "ground", tmp.resolve("eval"), "--instances",
                instances.toString());
        assertEquals(1.0 / 3, (double) r.metrics().get("Acc@0.5"), 1e-12, "IoU 0.5 counts; r2 misses; r3 failed");
        assertEquals(1, r.metrics().get("errors"));
        assertPng(tmp.resolve("eval/iou_histogram.png"));
    }

    @Test
    void detectionAgainstCocoInstances(@TempDir Path tmp) throws Exception {
        Outcome<OfaResult> dets = Outcome.ok(OfaResult.ofText("", new int[0], new float[0], 0).withDetections(List.of(
                new Detection("Dog", new Box(0, 0, 40, 40), new int[4], -0.1),
                new Detection("cat", new Box(100, 100, 150, 150), new int[4], -0.5),
                new Detection("unicorn", new Box(0, 0, 1, 1), new int[4], -0.2))));
        Path preds = predictions(tmp, "detection", List.<Object[]>of(new Object[]{"10", dets}));
        Path gold = tmp.resolve("instances.json");
        Files.writeString(gold, """
                {"images": [{"id": 10, "file_name": "a.jpg"}],
                 "categories": [{"id": 1, "name": "dog"}, {"id": 2, "name": "cat"}],
                 "annotations": [{"id": 1, "image_id": 10, "category_id": 1, "bbox": [0, 0, 40, 40], "area": 1600,
                                  "iscrowd": 0},
                                 {"id": 2, "image_id": 10, "category_id": 2, "bbox": [100, 100, 50, 50], "area": 2500,
                                  "iscrowd": 0}]}""");
        Evaluation.Report r = evaluate(preds, gold, "detect", tmp.resolve("eval"));
        assertEquals(1.0, (double) r.metrics().get("mAP@[.5:.95]"), 1e-9);
        assertEquals(1.0, (double) r.metrics().get("mAP@.5"), 1e-9);
        assertEquals(1, r.metrics().get("detections_with_unknown_label"));
        assertPng(tmp.resolve("eval/precision_recall.png"));
        assertPng(tmp.resolve("eval/ap_per_category.png"));
    }

    @Test
    void classificationVqaAndEntailment(@TempDir Path tmp) throws Exception {
        Path preds = predictions(tmp, "classification", List.of(
                new Object[]{"a", Outcome.ok(OfaResult.ofText("cat", new int[0], new float[0], 0).withLabel("cat"))},
                new Object[]{"b", Outcome.ok(OfaResult.ofText("cat", new int[0], new float[0], 0).withLabel("cat"))}));
        Path labels = tmp.resolve("labels.jsonl");
        Files.writeString(labels, "{\"key\": \"a\", \"label\": \"cat\"}\n{\"key\": \"b\", \"label\": \"dog\"}\n");
        Evaluation.Report c = evaluate(preds, labels, "classify", tmp.resolve("eval-c"));
        assertEquals(0.5, (double) c.metrics().get("accuracy"), 1e-12);
        assertPng(tmp.resolve("eval-c/per_class_accuracy.png"));

        Path vqaDir = tmp.resolve("vqa");
        Files.createDirectories(vqaDir);
        Path vqaPreds = predictions(vqaDir, "vqa", List.of(
                new Object[]{"101", answered("red", "red")},
                new Object[]{"102", answered("2", "Two")}));
        Path ann = tmp.resolve("vqa_annotations.json");
        StringBuilder answers = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            answers.append(i == 0 ? "" : ",").append("{\"answer\": \"").append(i < 2 ? "red" : "blue").append("\"}");
        }
        Files.writeString(ann, "{\"annotations\": [{\"question_id\": 101, \"answer_type\": \"other\", \"answers\": ["
                + answers + "]}, {\"question_id\": 102, \"answer_type\": \"number\", \"answers\": ["
                + "{\"answer\": \"2\"}, ".repeat(9) + "{\"answer\": \"two\"}]}]}");
        Evaluation.Report v = evaluate(vqaPreds, ann, "vqa", tmp.resolve("eval-v"));
        assertEquals((0.6 + 1.0) / 2, (double) v.metrics().get("accuracy"), 1e-12);
        assertEquals(Map.of("number", 1.0, "other", 0.6), v.metrics().get("accuracy_per_answer_type"));

        Path eDir = tmp.resolve("entail");
        Files.createDirectories(eDir);
        Path ePreds = predictions(eDir, "entailment", List.of(
                new Object[]{"p1", answered("yes", "yes")},
                new Object[]{"p2", answered("no", "no")}));
        Path eGold = tmp.resolve("snli_ve.jsonl");
        Files.writeString(eGold, "{\"key\": \"p1\", \"label\": \"entailment\"}\n{\"key\": \"p2\", \"label\": "
                + "\"neutral\"}\n");
        assertEquals(0.5, (double) evaluate(ePreds, eGold, "entail", tmp.resolve("eval-e")).metrics()
                .get("accuracy"), 1e-12);
    }

    @Test
    void badInputsAreNamed(@TempDir Path tmp) throws Exception {
        Path preds = predictions(tmp, "caption", List.<Object[]>of(new Object[]{"1", text("a")}));
        Path gold = tmp.resolve("g.json");
        Files.writeString(gold, "{\"images\": []}");
        IllegalArgumentException noColumn = assertThrows(IllegalArgumentException.class,
                () -> evaluate(preds, gold, "detect", tmp.resolve("e")));
        assertTrue(noColumn.getMessage().contains("'detection'"), noColumn.getMessage());
        IllegalArgumentException noAnnotations = assertThrows(IllegalArgumentException.class,
                () -> evaluate(preds, gold, "caption", tmp.resolve("e")));
        assertTrue(noAnnotations.getMessage().contains("'annotations'"), noAnnotations.getMessage());
        Path broken = tmp.resolve("broken.json");
        Files.writeString(broken, "{\"key\": 1,\n not json");
        IllegalArgumentException notJson = assertThrows(IllegalArgumentException.class,
                () -> evaluate(preds, broken, "classify", tmp.resolve("e"), "--column", "caption"));
        assertTrue(notJson.getMessage().contains("broken.json"), notJson.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EvaluateJob.parse(new String[]{"--task", "poetry",
            "--gold", "g", "--predictions", "p"}));
    }
}
