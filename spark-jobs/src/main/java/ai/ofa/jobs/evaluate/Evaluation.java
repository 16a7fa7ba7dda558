package ai.ofa.jobs.evaluate;

import ai.ofa.jobs.evaluate.metrics.Bleu;
import ai.ofa.jobs.evaluate.metrics.Boxes;
import ai.ofa.jobs.evaluate.metrics.CaptionTokenizer;
import ai.ofa.jobs.evaluate.metrics.Classification;
import ai.ofa.jobs.evaluate.metrics.CiderD;
import ai.ofa.jobs.evaluate.metrics.CocoDetectionEval;
import ai.ofa.jobs.evaluate.metrics.GroundingAccuracy;
import ai.ofa.jobs.evaluate.metrics.RougeL;
import ai.ofa.jobs.evaluate.metrics.VqaAccuracy;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Scores predictions against gold data in the datasets' own formats and writes {@code metrics.json},
 * {@code metrics.txt} and PNG plots. No Spark here: {@link EvaluateJob} reads the predictions.
 *
 * <p>Gold formats: caption, COCO captions JSON; ground, a JSON list (or {@code {"refs": [...]}}) of refs with
 * {@code ref_id} and {@code bbox} [x, y, w, h] (or {@code box} corners, or {@code ann_id} with COCO instances given
 * as {@code instances}); detect, COCO instances JSON; vqa, VQAv2 annotations JSON; classify and entail, JSON lines
 * (or a JSON list) of {@code {"key", "label"}}. A prediction's key matches a gold item by id, by file name, or by
 * the last path segment of the key (a folder of images is keyed by path).
 *
 * <pre>{@code Evaluation.Report r = Evaluation.run(EvalTask.CAPTION, predictions, goldJson, null, outDir);}</pre>
 */
public final class Evaluation {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What was measured: metric name -> value (numbers, counts, tables), the text table and the plots written. */
    public record Report(EvalTask task, Map<String, Object> metrics, String table, List<Path> plots) {
    }

    private Evaluation() {
    }

    public static Report run(EvalTask task, List<Prediction> predictions, Path gold, Path instances, Path outDir)
            throws IOException {
        Files.createDirectories(outDir);
        Keys keys = new Keys(predictions);
        JsonNode g = readJson(gold);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", task.name().toLowerCase(Locale.ROOT));
        m.put("gold", gold.toString());
        m.put("predictions", predictions.size());
        List<Path> plots = new ArrayList<>();
        switch (task) {
            case CAPTION -> caption(g, keys, m, plots, outDir);
            case GROUND -> ground(g, instances == null ? null : readJson(instances), keys, m, plots, outDir);
            case DETECT -> detect(g, keys, m, plots, outDir);
            case CLASSIFY, ENTAIL -> classify(task, g, gold, keys, m, plots, outDir);
            case VQA -> vqa(g, keys, m, plots, outDir);
        }
        m.put("duplicate_prediction_keys", keys.duplicates);
        String table = table(m);
        JSON.writeValue(outDir.resolve("metrics.json").toFile(), m);
        Files.writeString(outDir.resolve("metrics.txt"), table);
        return new Report(task, m, table, plots);
    }

    /** Predictions by key and by the key's last path segment; the first of a repeated key wins (counted). */
    private static final class Keys {
        final Map<String, Prediction> byKey = new HashMap<>();
        final Map<String, Prediction> byName = new HashMap<>();
        int duplicates;
        int used;
        int errors;

        Keys(List<Prediction> predictions) {
            for (Prediction p : predictions) {
                if (byKey.putIfAbsent(p.key(), p) != null) {
                    duplicates++;
                }
                byName.putIfAbsent(p.key().substring(p.key().lastIndexOf('/') + 1), p);
            }
        }

        /** The prediction for a gold item known by any of these ids (id, file name); null if none. */
        Prediction find(String... ids) {
            for (String id : ids) {
                if (id == null) {
                    continue;
                }
                Prediction p = byKey.containsKey(id) ? byKey.get(id) : byName.get(id);
                if (p != null) {
                    used++;
                    if (p.error() != null) {
                        errors++;
                    }
                    return p;
                }
            }
            return null;
        }
    }

    private static JsonNode readJson(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("Gold file not found: " + file);
        }
        String text = Files.readString(file).strip();
        try {
            return JSON.reader().with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .readTree(text);
        } catch (IOException notOneDocument) {
            List<JsonNode> rows = new ArrayList<>();   // JSON lines
            int line = 0;
            for (String l : text.split("\n")) {
                line++;
                if (l.isBlank()) {
                    continue;
                }
                try {
                    rows.add(JSON.readTree(l));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalArgumentException("Gold file " + file + " is neither JSON nor JSON lines "
                            + "(line " + line + ": " + e.getOriginalMessage() + ")", e);
                }
            }
            return JSON.valueToTree(rows);
        }
    }

    private static JsonNode required(JsonNode n, String field, String what) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException(what + " has no '" + field + "': " + abbreviate(n));
        }
        return v;
    }

    private static String abbreviate(JsonNode n) {
        String s = n.toString();
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    /** COCO images: id -> file name. */
    private static Map<String, String> cocoImages(JsonNode coco) {
        Map<String, String> images = new LinkedHashMap<>();
        for (JsonNode im : required(coco, "images", "COCO gold file")) {
            images.put(required(im, "id", "COCO image").asText(), im.path("file_name").asText(null));
        }
        return images;
    }

    private static void caption(JsonNode coco, Keys keys, Map<String, Object> m, List<Path> plots, Path out)
            throws IOException {
        Map<String, String> images = cocoImages(coco);
        Map<String, List<List<String>>> refs = new LinkedHashMap<>();
        for (JsonNode a : required(coco, "annotations", "COCO captions file")) {
            refs.computeIfAbsent(required(a, "image_id", "caption annotation").asText(), k -> new ArrayList<>())
                    .add(CaptionTokenizer.tokenize(required(a, "caption", "caption annotation").asText()));
        }
        List<List<String>> cands = new ArrayList<>();
        List<List<List<String>>> refLists = new ArrayList<>();
        int missing = 0;
        for (var e : refs.entrySet()) {
            Prediction p = keys.find(e.getKey(), images.get(e.getKey()));
            if (p == null || p.text() == null) {
                missing++;
            }
            cands.add(CaptionTokenizer.tokenize(p == null ? null : p.text()));
            refLists.add(e.getValue());
        }
        double[] bleu = Bleu.score(cands, refLists);
        CiderD.Result cider = CiderD.score(cands, refLists);
        double rouge = 0;
        for (int i = 0; i < cands.size(); i++) {
            rouge += RougeL.score(cands.get(i), refLists.get(i));
        }
        m.put("images", refs.size());
        m.put("missing", missing);
        m.put("errors", keys.errors);
        for (int n = 0; n < 4; n++) {
            m.put("BLEU-" + (n + 1), bleu[n]);
        }
        m.put("CIDEr-D", cider.mean());
        m.put("ROUGE-L", refs.isEmpty() ? 0 : rouge / refs.size());
        plots.add(Charts.histogram(out.resolve("cider_histogram.png"), "CIDEr-D per image", "CIDEr-D",
                cider.perImage(), 20, 0, Math.max(10, max(cider.perImage()))));
    }

    private static void ground(JsonNode refsFile, JsonNode instances, Keys keys, Map<String, Object> m,
                               List<Path> plots, Path out) throws IOException {
        JsonNode refs = refsFile.isArray() ? refsFile : required(refsFile, "refs", "grounding gold file");
        Map<String, double[]> annBoxes = new HashMap<>();
        if (instances != null) {
            for (JsonNode a : required(instances, "annotations", "COCO instances file")) {
                annBoxes.put(a.path("id").asText(), xywh(required(a, "bbox", "instance annotation")));
            }
        }
        List<double[]> predicted = new ArrayList<>();
        List<double[]> gold = new ArrayList<>();
        for (JsonNode r : refs) {
            String id = required(r, "ref_id", "grounding ref").asText();
            double[] box;
            if (r.has("box")) {
                box = new double[]{r.get("box").get(0).asDouble(), r.get("box").get(1).asDouble(),
                    r.get("box").get(2).asDouble(), r.get("box").get(3).asDouble()};
            } else if (r.has("bbox")) {
                box = xywh(r.get("bbox"));
            } else {
                box = annBoxes.get(required(r, "ann_id", "grounding ref without bbox").asText());
                if (box == null) {
                    throw new IllegalArgumentException("Grounding ref " + id + " points at ann_id "
                            + r.get("ann_id").asText() + ", which is not in the instances file"
                            + (instances == null ? " (none given: set --instances)" : ""));
                }
            }
            Prediction p = keys.find(id);
            predicted.add(p == null ? null : p.box());
            gold.add(box);
        }
        GroundingAccuracy.Result r = GroundingAccuracy.score(predicted, gold, 0.5);
        m.put("refs", gold.size());
        m.put("missing", r.missing());
        m.put("errors", keys.errors);
        m.put("Acc@0.5", r.accuracy());
        m.put("mean_IoU", mean(r.ious()));
        plots.add(Charts.histogram(out.resolve("iou_histogram.png"), "IoU with the gold box", "IoU", r.ious(),
                20, 0, 1));
    }

    private static double[] xywh(JsonNode b) {
        return Boxes.fromXywh(b.get(0).asDouble(), b.get(1).asDouble(), b.get(2).asDouble(), b.get(3).asDouble());
    }

    private static void detect(JsonNode coco, Keys keys, Map<String, Object> m, List<Path> plots, Path out)
            throws IOException {
        Map<String, String> images = cocoImages(coco);
        Map<String, Integer> catByName = new HashMap<>();
        Map<Integer, String> nameByCat = new TreeMap<>();
        for (JsonNode c : required(coco, "categories", "COCO instances file")) {
            int id = required(c, "id", "category").asInt();
            String name = required(c, "name", "category").asText();
            catByName.put(name.toLowerCase(Locale.ROOT), id);
            nameByCat.put(id, name);
        }
        List<CocoDetectionEval.Gold> gold = new ArrayList<>();
        for (JsonNode a : required(coco, "annotations", "COCO instances file")) {
            double[] box = xywh(required(a, "bbox", "instance annotation"));
            gold.add(new CocoDetectionEval.Gold(required(a, "image_id", "instance annotation").asText(),
                    required(a, "category_id", "instance annotation").asInt(), box,
                    a.has("area") ? a.get("area").asDouble() : Boxes.area(box), a.path("iscrowd").asInt(0) == 1));
        }
        List<CocoDetectionEval.Detection> dets = new ArrayList<>();
        int unknownLabels = 0;
        int missing = 0;
        for (var im : images.entrySet()) {
            Prediction p = keys.find(im.getKey(), im.getValue());
            if (p == null || p.detections() == null) {
                missing++;
                continue;
            }
            for (Prediction.DetectedBox d : p.detections()) {
                Integer cat = catByName.get(d.label().toLowerCase(Locale.ROOT));
                if (cat == null) {
                    unknownLabels++;
                } else {
                    dets.add(new CocoDetectionEval.Detection(im.getKey(), cat, d.box(), d.score()));
                }
            }
        }
        CocoDetectionEval.Summary s = CocoDetectionEval.evaluate(gold, dets);
        m.put("images", images.size());
        m.put("missing", missing);
        m.put("errors", keys.errors);
        m.put("detections", dets.size());
        m.put("detections_with_unknown_label", unknownLabels);
        m.put("mAP@[.5:.95]", s.ap());
        m.put("mAP@.5", s.ap50());
        m.put("mAP@.75", s.ap75());
        m.put("mAP_small", s.apSmall());
        m.put("mAP_medium", s.apMedium());
        m.put("mAP_large", s.apLarge());
        m.put("AR@1", s.ar1());
        m.put("AR@10", s.ar10());
        m.put("AR@100", s.ar100());
        Map<String, Double> perClass = new TreeMap<>();
        s.apPerCategory().forEach((cat, ap) -> perClass.put(nameByCat.get(cat), ap));
        m.put("AP_per_category", perClass);
        plots.add(Charts.curve(out.resolve("precision_recall.png"), "Precision-recall at IoU 0.5 (mean over "
                + "categories)", "recall", "precision", s.recallPoints(), s.precisionAt50()));
        plots.add(Charts.bars(out.resolve("ap_per_category.png"), "AP@[.5:.95] per category", "category", "AP",
                perClass));
    }

    private static final Map<String, String> ENTAILMENT = Map.of("entailment", "yes", "contradiction", "no",
            "neutral", "maybe");

    private static void classify(EvalTask task, JsonNode labels, Path goldPath, Keys keys, Map<String, Object> m,
                                 List<Path> plots, Path out) throws IOException {
        List<String> predicted = new ArrayList<>();
        List<String> gold = new ArrayList<>();
        Iterable<JsonNode> rows = labels.isArray() ? labels : List.of(labels);
        for (JsonNode r : rows) {
            String key = required(r, "key", "label file " + goldPath + " row").asText();
            String label = required(r, "label", "label file " + goldPath + " row").asText();
            Prediction p = keys.find(key);
            String said = p == null ? null : task == EvalTask.ENTAIL ? p.answer() : p.label();
            if (task == EvalTask.ENTAIL) {
                label = ENTAILMENT.getOrDefault(label.toLowerCase(Locale.ROOT), label.toLowerCase(Locale.ROOT));
                said = said == null ? null : said.toLowerCase(Locale.ROOT).strip();
            }
            gold.add(label);
            predicted.add(said);
        }
        Classification.Result r = Classification.score(predicted, gold);
        m.put("items", r.total());
        m.put("missing", r.missing());
        m.put("errors", keys.errors);
        m.put("accuracy", r.accuracy());
        Map<String, Object> per = new TreeMap<>();
        Map<String, Double> recall = new TreeMap<>();
        r.perClass().forEach((label, c) -> {
            per.put(label, Map.of("support", c.support(), "correct", c.correct(), "predicted", c.predicted(),
                    "precision", c.precision(), "recall", c.recall()));
            if (c.support() > 0) {
                recall.put(label, c.recall());
            }
        });
        m.put("per_class", per);
        plots.add(Charts.bars(out.resolve("per_class_accuracy.png"), "Accuracy (recall) per class", "class",
                "accuracy", recall));
    }

    private static void vqa(JsonNode annotations, Keys keys, Map<String, Object> m, List<Path> plots, Path out)
            throws IOException {
        double total = 0;
        int n = 0;
        int missing = 0;
        Map<String, double[]> byType = new TreeMap<>();
        for (JsonNode a : required(annotations, "annotations", "VQAv2 annotations file")) {
            String qid = required(a, "question_id", "VQA annotation").asText();
            List<String> humans = new ArrayList<>();
            for (JsonNode ans : required(a, "answers", "VQA annotation " + qid)) {
                humans.add(ans.path("answer").asText());
            }
            Prediction p = keys.find(qid);
            if (p == null || p.answer() == null) {
                missing++;
            }
            double acc = p == null || p.answer() == null ? 0 : VqaAccuracy.score(p.answer(), humans);
            total += acc;
            n++;
            double[] t = byType.computeIfAbsent(a.path("answer_type").asText("all"), k -> new double[2]);
            t[0] += acc;
            t[1]++;
        }
        m.put("questions", n);
        m.put("missing", missing);
        m.put("errors", keys.errors);
        m.put("accuracy", n == 0 ? 0 : total / n);
        Map<String, Double> perType = new TreeMap<>();
        byType.forEach((type, t) -> perType.put(type, t[0] / t[1]));
        m.put("accuracy_per_answer_type", perType);
        plots.add(Charts.bars(out.resolve("accuracy_per_answer_type.png"), "VQA accuracy per answer type",
                "answer type", "accuracy", perType));
    }

    private static double mean(double[] xs) {
        double s = 0;
        for (double x : xs) {
            s += x;
        }
        return xs.length == 0 ? 0 : s / xs.length;
    }

    private static double max(double[] xs) {
        double mx = 0;
        for (double x : xs) {
            mx = Math.max(mx, x);
        }
        return mx;
    }

    /** The metrics as an aligned two-column text table (nested maps indented). */
    static String table(Map<String, Object> m) {
        StringBuilder out = new StringBuilder();
        appendTable(out, m, "");
        return out.toString();
    }

    private static void appendTable(StringBuilder out, Map<?, ?> m, String indent) {
        for (var e : m.entrySet()) {
            Object v = e.getValue();
            if (v instanceof Map<?, ?> nested) {
                out.append(indent).append(e.getKey()).append(":\n");
                appendTable(out, nested, indent + "  ");
            } else {
                String s = v instanceof Double d ? String.format(Locale.ROOT, "%.4f", d) : String.valueOf(v);
                out.append(String.format(Locale.ROOT, "%s%-32s %s%n", indent, e.getKey(), s));
            }
        }
    }
}
