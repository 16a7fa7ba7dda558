package ai.ofa.jobs.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Source and evaluation-set adapters: each reads a public dataset's own files and yields records in one model.
 * Canonical image keys come from the datasets' links ({@code coco:ID} for COCO, VQAv2 and RefCOCO, whose images are
 * COCO's), so the same picture from two datasets is one image. Evaluation sets: {@code karpathy}, {@code refcoco},
 * {@code vqa2}, {@code snli-ve}, {@code image-folder} (e.g. ImageNet-1k val) and {@code img2dataset}. Images are read later, by path, on the executors.
 *
 * <ul>
 * <li>{@code coco-captions}: {@code annotations} (captions_*.json: images + annotations), {@code images} folder.</li>
 * <li>{@code vqa2}: {@code questions} (v2_OpenEnded_mscoco_*_questions.json), {@code annotations}
 * (v2_mscoco_*_annotations.json), {@code images} folder, {@code file_pattern} (default
 * COCO_train2014_%012d.jpg) or {@code image_list} (a COCO-format JSON whose images name each id's file).</li>
 * <li>{@code refcoco}: {@code refs} (the refs pickle as JSON: ref_id, image_id, ann_id, split, sentences),
 * {@code instances} (COCO instances JSON), {@code images} folder; training refs only ({@code splits}, default
 * train).</li>
 * <li>{@code coco-instances}: detection, one record per image with all its boxes: {@code annotations} (COCO
 * instances JSON; also Objects365, which uses the same format, with {@code key_prefix} objects365), {@code images}.
 * Crowd regions are left out.</li>
 * <li>{@code visual-genome}: {@code image_data} (image_data.json: coco_id and flickr_id link images to COCO and
 * Flickr30k), {@code images} (folder of ID.jpg), and any of {@code regions} (region_descriptions.json: grounding),
 * {@code qas} (question_answers.json: VQA), {@code objects} (objects.json: detection).</li>
 * <li>{@code gqa}: {@code questions} (e.g. train_balanced_questions.json: id -> imageId, question, answer),
 * {@code images} (ID.jpg), and {@code vg_image_data} (Visual Genome's image_data.json, optional) so that GQA's
 * Visual Genome images carry their COCO and Flickr30k ids too.</li>
 * <li>{@code img2dataset}: {@code path} (its output folder), {@code format} (parquet, the default, or webdataset),
 * {@code image_col} (Parquet; default jpg); for image infilling {@code image_infilling = true} and
 * {@code image_codes} (the column, or webdataset JSON field, of VQGAN codes).</li>
 * <li>{@code openimages}: {@code boxes} (the box CSV, fractions of the image size), {@code classes}
 * (class-descriptions-boxable.csv), {@code images} (ID.jpg); boxes become pixels once each image's size is read.</li>
 * <li>{@code text-jsonl}: {@code path} (JSON lines with a {@code text} field).</li>
 * </ul>
 */
final class CorpusRecords {
    static final StructType SCHEMA = new StructType().add("record_id", DataTypes.StringType)
            .add("source", DataTypes.StringType).add("task", DataTypes.StringType)
            .add("image_key", DataTypes.StringType).add("image_path", DataTypes.StringType)
            .add("image", DataTypes.BinaryType).add("text", DataTypes.StringType)
            .add("question", DataTypes.StringType).add("refs", DataTypes.StringType)
            .add("bad_reason", DataTypes.StringType);
    static final StructType EVAL_SCHEMA = new StructType().add("eval_set", DataTypes.StringType)
            .add("item_id", DataTypes.StringType).add("image_key", DataTypes.StringType)
            .add("image_path", DataTypes.StringType).add("texts", DataTypes.createArrayType(DataTypes.StringType));
    private static final ObjectMapper JSON = new ObjectMapper();

    private CorpusRecords() {
    }

    static JsonNode json(String file, String what) {
        try {
            return JSON.readTree(Files.readAllBytes(Path.of(file)));
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read " + what + " " + file + ": " + e.getMessage(), e);
        }
    }

    private static String join(String folder, String name) {
        return folder.endsWith("/") ? folder + name : folder + "/" + name;
    }

    private static Row row(String id, String source, String task, String key, String path, byte[] image, String text,
                           String question, String refs, String bad) {
        return RowFactory.create(id, source, task, key, path, image, text, question, refs, bad);
    }

    static Dataset<Row> source(SparkSession spark, CorpusConfig.Source s) {
        return source(spark, s, false);
    }

    /** {@code computeCodes}: image-infilling records without supplied codes are kept for the job to code. */
    static Dataset<Row> source(SparkSession spark, CorpusConfig.Source s, boolean computeCodes) {
        return switch (s.type()) {
            case "coco-captions" -> spark.createDataFrame(cocoCaptions(s), SCHEMA);
            case "vqa2" -> spark.createDataFrame(vqa2(s), SCHEMA);
            case "refcoco" -> spark.createDataFrame(refcoco(s), SCHEMA);
            case "coco-instances" -> spark.createDataFrame(cocoInstances(s), SCHEMA);
            case "visual-genome" -> spark.createDataFrame(visualGenome(s), SCHEMA);
            case "gqa" -> spark.createDataFrame(gqa(s), SCHEMA);
            case "img2dataset" -> img2dataset(spark, s, computeCodes);
            case "openimages" -> openImages(spark, s);
            case "text-jsonl" -> textJsonl(spark, s);
            default -> throw new IllegalArgumentException("Unknown source type " + s.type());
        };
    }

    static List<Row> cocoCaptions(CorpusConfig.Source s) {
        JsonNode coco = json(s.require("annotations"), "COCO captions file");
        String images = s.require("images");
        Map<String, String> files = new HashMap<>();
        coco.path("images").forEach(im -> files.put(im.path("id").asText(), im.path("file_name").asText()));
        List<Row> out = new ArrayList<>();
        for (JsonNode a : coco.path("annotations")) {
            String imageId = a.path("image_id").asText();
            String caption = a.path("caption").asText("").strip();
            String file = files.get(imageId);
            String bad = caption.isEmpty() ? "empty caption" : file == null ? "image id not in the images list" : null;
            out.add(row(s.name() + ":" + a.path("id").asText(), s.name(), "caption", "coco:" + imageId,
                    file == null ? null : join(images, file), null, caption, null, null, bad));
        }
        return out;
    }

    static List<Row> vqa2(CorpusConfig.Source s) {
        JsonNode questions = json(s.require("questions"), "VQAv2 questions file");
        JsonNode annotations = json(s.require("annotations"), "VQAv2 annotations file");
        String images = s.require("images");
        String pattern = s.settings().getOrDefault("file_pattern", "COCO_train2014_%012d.jpg");
        Map<String, String> listed = new HashMap<>();   // image_list: a COCO-format file naming each image's file
        if (s.settings().containsKey("image_list")) {
            json(s.settings().get("image_list"), "image list").path("images").forEach(im ->
                    listed.put(im.path("id").asText(), im.path("file_name").asText()));
        }
        Map<String, JsonNode> byQuestion = new HashMap<>();
        annotations.path("annotations").forEach(a -> byQuestion.put(a.path("question_id").asText(), a));
        List<Row> out = new ArrayList<>();
        for (JsonNode q : questions.path("questions")) {
            String qid = q.path("question_id").asText();
            long imageId = q.path("image_id").asLong();
            JsonNode a = byQuestion.get(qid);
            String refs = a == null ? null : answers(a.path("answers"));
            String question = q.path("question").asText("").strip();
            String bad = question.isEmpty() ? "empty question" : refs == null ? "question without answers" : null;
            String file = listed.isEmpty() ? String.format(Locale.ROOT, pattern, imageId)
                    : listed.get(String.valueOf(imageId));
            if (file == null && bad == null) {
                bad = "image id not in the image list";
            }
            out.add(row(s.name() + ":" + qid, s.name(), "qa", "coco:" + imageId,
                    file == null ? null : join(images, file), null, null, question, refs, bad));
        }
        return out;
    }

    /**
     * OFA's answer field, {@code conf|!+answer&&...}: each distinct human answer with the VQA score of the answer,
     * min(1, humans who gave it / 3), highest first.
     */
    static String answers(JsonNode humans) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        humans.forEach(h -> counts.merge(h.path("answer").asText("").strip().toLowerCase(Locale.ROOT), 1,
                Integer::sum));
        counts.remove("");
        if (counts.isEmpty()) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        counts.entrySet().stream().sorted((x, y) -> y.getValue() - x.getValue()).forEach(e -> parts.add(
                String.format(Locale.ROOT, "%.1f|!+%s", Math.min(1.0, e.getValue() / 3.0), e.getKey())));
        return String.join("&&", parts);
    }

    static List<Row> refcoco(CorpusConfig.Source s) {
        JsonNode refs = json(s.require("refs"), "RefCOCO refs file");
        JsonNode instances = json(s.require("instances"), "COCO instances file");
        String images = s.require("images");
        List<String> splits = List.of(s.settings().getOrDefault("splits", "train").split(","));
        Map<String, JsonNode> anns = new HashMap<>();
        instances.path("annotations").forEach(a -> anns.put(a.path("id").asText(), a));
        Map<String, JsonNode> imgs = new HashMap<>();
        instances.path("images").forEach(im -> imgs.put(im.path("id").asText(), im));
        List<Row> out = new ArrayList<>();
        for (JsonNode r : refs.isArray() ? refs : refs.path("refs")) {
            if (!splits.contains(r.path("split").asText())) {
                continue;
            }
            String imageId = r.path("image_id").asText();
            JsonNode ann = anns.get(r.path("ann_id").asText());
            JsonNode im = imgs.get(imageId);
            String box = null;
            String bad = null;
            if (ann == null || im == null) {
                bad = "ref points at an annotation or image not in the instances file";
            } else {
                JsonNode b = ann.path("bbox");
                double x0 = b.path(0).asDouble();
                double y0 = b.path(1).asDouble();
                double x1 = x0 + b.path(2).asDouble();
                double y1 = y0 + b.path(3).asDouble();
                double w = im.path("width").asDouble();
                double h = im.path("height").asDouble();
                if (x0 < 0 || y0 < 0 || x1 > w + 0.5 || y1 > h + 0.5 || x1 <= x0 || y1 <= y0) {
                    bad = "box outside the image";
                }
                box = String.format(Locale.ROOT, "%.2f,%.2f,%.2f,%.2f", x0, y0, x1, y1);
            }
            String path = im == null ? null : join(images, im.path("file_name").asText());
            int n = 0;
            for (JsonNode sent : r.path("sentences")) {
                String text = sent.path("sent").asText(sent.path("raw").asText("")).strip();
                out.add(row(s.name() + ":" + r.path("ref_id").asText() + ":" + n++, s.name(), "visual_grounding",
                        "coco:" + imageId, path, null, text, null, box,
                        bad != null ? bad : text.isEmpty() ? "empty expression" : null));
            }
        }
        return out;
    }

    /** OFA's detection refs: {@code x0,y0,x1,y1,cat_id,cat_name&&...} in absolute pixels. */
    static List<Row> cocoInstances(CorpusConfig.Source s) {
        JsonNode coco = json(s.require("annotations"), "COCO instances file");
        String images = s.require("images");
        String prefix = s.settings().getOrDefault("key_prefix", "coco");
        Map<String, String> names = new HashMap<>();
        coco.path("categories").forEach(c -> names.put(c.path("id").asText(), c.path("name").asText()));
        Map<String, List<JsonNode>> byImage = new LinkedHashMap<>();
        coco.path("images").forEach(im -> byImage.put(im.path("id").asText(), new ArrayList<>()));
        for (JsonNode a : coco.path("annotations")) {
            List<JsonNode> list = byImage.get(a.path("image_id").asText());
            if (list != null && a.path("iscrowd").asInt(0) == 0) {
                list.add(a);
            }
        }
        List<Row> out = new ArrayList<>();
        for (JsonNode im : coco.path("images")) {
            String id = im.path("id").asText();
            double w = im.path("width").asDouble();
            double h = im.path("height").asDouble();
            List<String> boxes = new ArrayList<>();
            String bad = null;
            for (JsonNode a : byImage.get(id)) {
                JsonNode b = a.path("bbox");
                double x0 = b.path(0).asDouble();
                double y0 = b.path(1).asDouble();
                double x1 = x0 + b.path(2).asDouble();
                double y1 = y0 + b.path(3).asDouble();
                if (x0 < 0 || y0 < 0 || x1 > w + 0.5 || y1 > h + 0.5 || x1 <= x0 || y1 <= y0) {
                    bad = "box outside the image";
                }
                String cat = a.path("category_id").asText();
                boxes.add(String.format(Locale.ROOT, "%.2f,%.2f,%.2f,%.2f,%s,%s", x0, y0, x1, y1, cat,
                        names.getOrDefault(cat, cat)));
            }
            if (boxes.isEmpty() && bad == null) {
                bad = "image without objects";
            }
            out.add(row(s.name() + ":" + id, s.name(), "detection", prefix + ":" + id,
                    join(images, im.path("file_name").asText()), null, null, null, String.join("&&", boxes), bad));
        }
        return out;
    }

    /** Every dataset id of a Visual Genome image, '|'-separated: coco:ID and flickr30k:ID where linked, vg:ID. */
    static String vgKeys(JsonNode im) {
        List<String> keys = new ArrayList<>();
        if (!im.path("coco_id").isNull() && !im.path("coco_id").isMissingNode()) {
            keys.add("coco:" + im.path("coco_id").asText());
        }
        if (!im.path("flickr_id").isNull() && !im.path("flickr_id").isMissingNode()) {
            keys.add("flickr30k:" + im.path("flickr_id").asText());
        }
        keys.add("vg:" + im.path("image_id").asText());
        return String.join("|", keys);
    }

    static List<Row> visualGenome(CorpusConfig.Source s) {
        String images = s.require("images");
        Map<String, JsonNode> meta = new HashMap<>();
        json(s.require("image_data"), "Visual Genome image_data.json").forEach(im ->
                meta.put(im.path("image_id").asText(), im));
        List<Row> out = new ArrayList<>();
        java.util.function.BiFunction<String, double[], String> outside = (id, b) -> {
            JsonNode im = meta.get(id);
            if (im == null) {
                return "image id not in image_data";
            }
            return b[0] < 0 || b[1] < 0 || b[2] > im.path("width").asDouble() + 0.5
                    || b[3] > im.path("height").asDouble() + 0.5 || b[2] <= b[0] || b[3] <= b[1]
                    ? "box outside the image" : null;
        };
        if (s.settings().containsKey("regions")) {
            for (JsonNode img : json(s.settings().get("regions"), "Visual Genome region_descriptions.json")) {
                for (JsonNode r : img.path("regions")) {
                    String id = r.path("image_id").asText(img.path("id").asText());
                    double[] b = {r.path("x").asDouble(), r.path("y").asDouble(),
                        r.path("x").asDouble() + r.path("width").asDouble(),
                        r.path("y").asDouble() + r.path("height").asDouble()};
                    String phrase = r.path("phrase").asText("").strip();
                    String bad = outside.apply(id, b);
                    out.add(row(s.name() + ":region:" + r.path("region_id").asText(), s.name(), "visual_grounding",
                            meta.containsKey(id) ? vgKeys(meta.get(id)) : "vg:" + id, join(images, id + ".jpg"), null,
                            phrase, null, String.format(Locale.ROOT, "%.2f,%.2f,%.2f,%.2f", b[0], b[1], b[2], b[3]),
                            bad != null ? bad : phrase.isEmpty() ? "empty expression" : null));
                }
            }
        }
        if (s.settings().containsKey("qas")) {
            for (JsonNode img : json(s.settings().get("qas"), "Visual Genome question_answers.json")) {
                for (JsonNode qa : img.path("qas")) {
                    String id = qa.path("image_id").asText(img.path("id").asText());
                    String answer = qa.path("answer").asText("").strip().toLowerCase(Locale.ROOT)
                            .replaceAll("[.!]+$", "");
                    String question = qa.path("question").asText("").strip();
                    String bad = !meta.containsKey(id) ? "image id not in image_data"
                            : question.isEmpty() ? "empty question" : answer.isEmpty() ? "question without answers" : null;
                    out.add(row(s.name() + ":qa:" + qa.path("qa_id").asText(), s.name(), "qa",
                            meta.containsKey(id) ? vgKeys(meta.get(id)) : "vg:" + id, join(images, id + ".jpg"), null,
                            null, question, "1.0|!+" + answer, bad));
                }
            }
        }
        if (s.settings().containsKey("objects")) {
            for (JsonNode img : json(s.settings().get("objects"), "Visual Genome objects.json")) {
                String id = img.path("image_id").asText();
                List<String> boxes = new ArrayList<>();
                String bad = meta.containsKey(id) ? null : "image id not in image_data";
                for (JsonNode o : img.path("objects")) {
                    double[] b = {o.path("x").asDouble(), o.path("y").asDouble(),
                        o.path("x").asDouble() + o.path("w").asDouble(), o.path("y").asDouble() + o.path("h").asDouble()};
                    String why = outside.apply(id, b);
                    bad = bad != null ? bad : why;
                    String name = o.path("names").path(0).asText("object");
                    boxes.add(String.format(Locale.ROOT, "%.2f,%.2f,%.2f,%.2f,%s,%s", b[0], b[1], b[2], b[3],
                            name, name));
                }
                out.add(row(s.name() + ":objects:" + id, s.name(), "detection",
                        meta.containsKey(id) ? vgKeys(meta.get(id)) : "vg:" + id, join(images, id + ".jpg"), null,
                        null, null, String.join("&&", boxes),
                        bad != null ? bad : boxes.isEmpty() ? "image without objects" : null));
            }
        }
        return out;
    }

    static List<Row> gqa(CorpusConfig.Source s) {
        JsonNode questions = json(s.require("questions"), "GQA questions file");
        String images = s.require("images");
        Map<String, JsonNode> vg = new HashMap<>();
        if (s.settings().containsKey("vg_image_data")) {
            json(s.settings().get("vg_image_data"), "Visual Genome image_data.json").forEach(im ->
                    vg.put(im.path("image_id").asText(), im));
        }
        List<Row> out = new ArrayList<>();
        var fields = questions.fields();
        while (fields.hasNext()) {
            var e = fields.next();
            JsonNode q = e.getValue();
            String imageId = q.path("imageId").asText();
            String question = q.path("question").asText("").strip();
            String answer = q.path("answer").asText("").strip().toLowerCase(Locale.ROOT);
            // GQA's images are Visual Genome's (numeric ids); others ("n123...") are its own
            String key = vg.containsKey(imageId) ? vgKeys(vg.get(imageId))
                    : imageId.chars().allMatch(Character::isDigit) ? "vg:" + imageId : "gqa:" + imageId;
            String bad = question.isEmpty() ? "empty question" : answer.isEmpty() ? "question without answers" : null;
            out.add(row(s.name() + ":" + e.getKey(), s.name(), "qa", key, join(images, imageId + ".jpg"), null, null,
                    question, "1.0|!+" + answer, bad));
        }
        return out;
    }

    /**
     * img2dataset output as rows (key, image, caption, codes): Parquet ({@code format = parquet}, the default; the
     * image in {@code image_col}, default jpg) or webdataset shards ({@code format = webdataset}: KEY.jpg, KEY.txt,
     * KEY.json). {@code image_codes} names the column (Parquet) or JSON field (webdataset) of VQGAN image codes:
     * space-separated numbers or a list of them.
     */
    static Dataset<Row> img2datasetRows(SparkSession spark, Map<String, String> settings, String prefix,
                                        boolean needCaption) {
        String path = settings.get("path");
        if (path == null || path.isBlank()) {
            throw new IllegalArgumentException(prefix + ".path is required for an img2dataset set");
        }
        String format = settings.getOrDefault("format", "parquet");
        String codes = settings.get("image_codes");
        if (format.equals("webdataset")) {
            List<String> shards = ai.ofa.jobs.enrich.EnrichJob.listInputs(spark.sparkContext().hadoopConfiguration(),
                    path, "webdataset").files();
            if (shards.isEmpty()) {
                throw new IllegalArgumentException(prefix + ": no webdataset shards (*.tar) under " + path);
            }
            return ai.ofa.jobs.enrich.WebDatasetReader.read(spark, shards).select(functions.col("key"),
                    functions.col("image"), functions.col("caption"), codes == null
                            ? functions.lit(null).cast("string").as("codes")
                            // a JSON list [1, 2, 3] or a string "1 2 3": space-separated either way
                            : functions.trim(functions.regexp_replace(functions.get_json_object(functions.col("json"),
                                    "$." + codes), "[\\[\\],\\s]+", " ")).as("codes"));
        }
        if (!format.equals("parquet")) {
            throw new IllegalArgumentException(prefix + ".format is '" + format + "', expected parquet or webdataset");
        }
        String imageCol = settings.getOrDefault("image_col", "jpg");
        Dataset<Row> df = spark.read().parquet(path);
        List<String> columns = List.of(df.columns());
        List<String> needed = new ArrayList<>(List.of("key", imageCol));
        if (needCaption) {
            needed.add("caption");
        }
        if (codes != null) {
            needed.add(codes);
        }
        for (String c : needed) {
            if (!columns.contains(c)) {
                throw new IllegalArgumentException(prefix + ": img2dataset Parquet at " + path + " has no column '"
                        + c + "'; columns: " + columns);
            }
        }
        org.apache.spark.sql.Column codesCol = codes == null ? functions.lit(null).cast("string")
                : df.schema().apply(codes).dataType() instanceof org.apache.spark.sql.types.ArrayType
                ? functions.array_join(functions.col(codes).cast("array<string>"), " ")
                : functions.col(codes).cast("string");
        return df.select(functions.col("key").cast("string").as("key"), functions.col(imageCol).as("image"),
                columns.contains("caption") ? functions.col("caption").cast("string").as("caption")
                        : functions.lit(null).cast("string").as("caption"), codesCol.as("codes"));
    }

    /**
     * Captions of an img2dataset set; with {@code image_infilling = true} also one image-infilling example per image.
     * Supplied codes ({@code image_codes}) must be OFA's: 256 integers in [0, 8192), the 16 x 16 codes of the middle
     * 128 x 128 at 256 px; others make a bad record. Images without codes are counted as skipped, unless
     * {@code computeCodes} (the config names {@code vqgan.model}): then their {@code refs} stay null and the job
     * computes them ({@link InfillCodes}).
     */
    static Dataset<Row> img2dataset(SparkSession spark, CorpusConfig.Source s) {
        return img2dataset(spark, s, false);
    }

    static Dataset<Row> img2dataset(SparkSession spark, CorpusConfig.Source s, boolean computeCodes) {
        Dataset<Row> df = img2datasetRows(spark, s.settings(), "source." + s.name(), true);
        org.apache.spark.sql.Column id = functions.concat(functions.lit(s.name() + ":"), functions.col("key"));
        org.apache.spark.sql.Column noString = functions.lit(null).cast("string");
        org.apache.spark.sql.Column noImage = functions.when(functions.col("image").isNull(), "no image bytes");
        Dataset<Row> captions = df.select(id.as("record_id"), functions.lit(s.name()).as("source"),
                functions.lit("caption").as("task"), noString.as("image_key"), noString.as("image_path"),
                functions.col("image"), functions.trim(functions.col("caption")).as("text"), noString.as("question"),
                noString.as("refs"), functions.when(functions.col("caption").isNull().or(functions.trim(
                        functions.col("caption")).equalTo("")), "empty caption").otherwise(noImage).as("bad_reason"));
        if (!Boolean.parseBoolean(s.settings().getOrDefault("image_infilling", "false"))) {
            return captions;
        }
        // one space between codes, however they were separated (spaces, commas, a JSON list)
        org.apache.spark.sql.Column codes = functions.trim(functions.regexp_replace(functions.col("codes"),
                "[\\s,]+", " "));
        org.apache.spark.sql.Column none = codes.isNull().or(codes.equalTo(""));
        org.apache.spark.sql.Column problem = functions.udf((org.apache.spark.sql.api.java.UDF1<String, String>)
                CorpusRecords::suppliedCodesProblem, DataTypes.StringType).apply(codes);
        Dataset<Row> infilling = df.select(functions.concat(id, functions.lit(":infill")).as("record_id"),
                functions.lit(s.name()).as("source"), functions.lit("image_infilling").as("task"),
                noString.as("image_key"), noString.as("image_path"), functions.col("image"), noString.as("text"),
                noString.as("question"), functions.when(none, noString).otherwise(codes).as("refs"),
                (computeCodes ? functions.when(none, noImage) : functions.when(none, SKIPPED_PREFIX
                        + "no image codes (set vqgan.model to compute them)"))
                        .when(problem.isNotNull(), problem).otherwise(noImage).as("bad_reason"));
        return captions.unionByName(infilling);
    }

    /** Codes per image-infilling example: the 16 x 16 codes of the middle 128 x 128 of the image at 256 px. */
    static final int INFILL_CODE_SIDE = 16;
    /** OFA's codebook: codes are 0 .. 8191. */
    static final int NUM_CODES = 8192;

    /**
     * Why supplied image-infilling codes cannot be used, or null: checked as the runtime checks codes
     * ({@link ai.ofa.image.CodeGrid}). The reason names the rule, not the value, so that bad records group by it.
     */
    static String suppliedCodesProblem(String codes) {
        if (codes == null || codes.isBlank()) {
            return null;
        }
        int[] parsed;
        try {
            parsed = ai.ofa.image.CodeGrid.parse(codes);
        } catch (IllegalArgumentException e) {
            return "malformed image codes (expected space-separated integers)";
        }
        if (parsed.length != INFILL_CODE_SIDE * INFILL_CODE_SIDE) {
            return "wrong image code count (expected " + INFILL_CODE_SIDE * INFILL_CODE_SIDE + ": the "
                    + INFILL_CODE_SIDE + " x " + INFILL_CODE_SIDE + " codes of the middle 128 x 128 at 256 px)";
        }
        try {
            ai.ofa.image.CodeGrid.square(parsed, INFILL_CODE_SIDE, NUM_CODES);
        } catch (IllegalArgumentException e) {
            return "image code outside the codebook [0, " + NUM_CODES + ")";
        }
        return null;
    }

    /** Bad reasons that are not errors: records a task cannot use (counted apart in the report). */
    static final String SKIPPED_PREFIX = "skipped: ";

    /** Boxes given as fractions of the image size, converted to pixels once the image's size is known. */
    static final String UNIT_BOXES = "unit:";

    /**
     * OpenImages detection: {@code boxes} (e.g. oidv6-train-annotations-bbox.csv, with its header: ImageID,
     * LabelName, XMin, XMax, YMin, YMax as fractions of the image size), {@code classes}
     * (class-descriptions-boxable.csv: LabelName,DisplayName, header optional), {@code images} (ID.jpg). Read on
     * the executors (the box file has millions of lines); one record per image, its boxes converted to pixels from
     * the image's own size after it is read.
     */
    static Dataset<Row> openImages(SparkSession spark, CorpusConfig.Source s) {
        String images = s.require("images");
        Dataset<Row> boxes = spark.read().option("header", "true").csv(s.require("boxes"));
        for (String c : List.of("ImageID", "LabelName", "XMin", "XMax", "YMin", "YMax")) {
            if (!List.of(boxes.columns()).contains(c)) {
                throw new IllegalArgumentException("source." + s.name() + ".boxes " + s.require("boxes")
                        + " has no column '" + c + "' (an OpenImages box CSV with its header); columns: "
                        + List.of(boxes.columns()));
            }
        }
        Dataset<Row> classes = spark.read().option("header", "false").csv(s.require("classes"))
                .toDF("LabelName", "DisplayName").filter("LabelName != 'LabelName'");
        org.apache.spark.sql.Column x0 = functions.col("XMin").cast("double");
        org.apache.spark.sql.Column x1 = functions.col("XMax").cast("double");
        org.apache.spark.sql.Column y0 = functions.col("YMin").cast("double");
        org.apache.spark.sql.Column y1 = functions.col("YMax").cast("double");
        org.apache.spark.sql.Column outside = functions.when(x0.isNull().or(x1.isNull()).or(y0.isNull()).or(y1.isNull())
                .or(x0.lt(0)).or(y0.lt(0)).or(x1.gt(1)).or(y1.gt(1)).or(x1.leq(x0)).or(y1.leq(y0)), 1).otherwise(0);
        Dataset<Row> perImage = boxes.join(functions.broadcast(classes), boxes.col("LabelName")
                        .equalTo(classes.col("LabelName")), "left")
                .select(functions.col("ImageID"), outside.as("_outside"), functions.format_string(
                        "%s,%s,%s,%s,%s,%s", x0, y0, x1, y1, boxes.col("LabelName"),
                        functions.coalesce(classes.col("DisplayName"), boxes.col("LabelName"))).as("_box"))
                .groupBy("ImageID").agg(functions.array_join(functions.array_sort(functions.collect_list("_box")),
                        "&&").as("_boxes"), functions.max("_outside").as("_outside"));
        org.apache.spark.sql.Column noString = functions.lit(null).cast("string");
        return perImage.select(functions.concat(functions.lit(s.name() + ":"), functions.col("ImageID")).as("record_id"),
                functions.lit(s.name()).as("source"), functions.lit("detection").as("task"),
                functions.concat(functions.lit("openimages:"), functions.col("ImageID")).as("image_key"),
                functions.concat(functions.lit(join(images, "")), functions.col("ImageID"), functions.lit(".jpg"))
                        .as("image_path"), functions.lit(null).cast("binary").as("image"), noString.as("text"),
                noString.as("question"), functions.concat(functions.lit(UNIT_BOXES), functions.col("_boxes")).as("refs"),
                functions.when(functions.col("_outside").gt(0), "box outside the image").as("bad_reason"));
    }

    /** {@code unit:x0,y0,x1,y1,id,name&&...} (fractions) -> the same boxes in pixels of a width x height image. */
    static String pixelBoxes(String refs, int width, int height) {
        if (refs == null || !refs.startsWith(UNIT_BOXES)) {
            return refs;
        }
        List<String> out = new ArrayList<>();
        for (String box : refs.substring(UNIT_BOXES.length()).split("&&")) {
            String[] f = box.split(",", 5);
            out.add(String.format(Locale.ROOT, "%.2f,%.2f,%.2f,%.2f,%s", Double.parseDouble(f[0]) * width,
                    Double.parseDouble(f[1]) * height, Double.parseDouble(f[2]) * width,
                    Double.parseDouble(f[3]) * height, f[4]));
        }
        return String.join("&&", out);
    }

    static Dataset<Row> textJsonl(SparkSession spark, CorpusConfig.Source s) {
        Dataset<Row> df = spark.read().option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", "_corrupt")
                .schema(new StructType().add("text", DataTypes.StringType).add("_corrupt", DataTypes.StringType))
                .json(s.require("path"));
        return df.withColumn("_n", functions.monotonically_increasing_id()).select(
                functions.concat(functions.lit(s.name() + ":"), functions.col("_n").cast("string")).as("record_id"),
                functions.lit(s.name()).as("source"), functions.lit("text").as("task"),
                functions.lit(null).cast("string").as("image_key"), functions.lit(null).cast("string").as("image_path"),
                functions.lit(null).cast("binary").as("image"), functions.col("text"),
                functions.lit(null).cast("string").as("question"), functions.lit(null).cast("string").as("refs"),
                functions.when(functions.col("_corrupt").isNotNull(), "malformed JSON line")
                        .when(functions.col("text").isNull().or(functions.trim(functions.col("text")).equalTo("")),
                                "empty text").as("bad_reason"));
    }

    /**
     * An evaluation set's items (eval_set, item_id, image_key, image_path, texts, image): its images by path, or
     * by their bytes for an img2dataset set ({@code path}, {@code format}, {@code image_col}; captions as texts).
     */
    static Dataset<Row> evalDataset(SparkSession spark, CorpusConfig.EvalSet e) {
        if (e.type().equals("img2dataset")) {
            Dataset<Row> df = img2datasetRows(spark, e.settings(), "eval." + e.name(), false);
            return df.select(functions.lit(e.name()).as("eval_set"), functions.col("key").as("item_id"),
                    functions.lit(null).cast("string").as("image_key"),
                    functions.lit(null).cast("string").as("image_path"),
                    functions.when(functions.col("caption").isNull(), functions.array().cast("array<string>"))
                            .otherwise(functions.array(functions.col("caption"))).as("texts"), functions.col("image"));
        }
        return spark.createDataFrame(evalSet(e), EVAL_SCHEMA).withColumn("image", functions.lit(null).cast("binary"));
    }

    static List<Row> evalSet(CorpusConfig.EvalSet e) {
        List<Row> out = new ArrayList<>();
        switch (e.type()) {
            case "karpathy" -> {
                JsonNode d = json(e.require("annotations"), "Karpathy split file");
                String images = e.require("images");
                List<String> splits = List.of(e.settings().getOrDefault("splits", "val,test").split(","));
                for (JsonNode im : d.path("images")) {
                    if (!splits.contains(im.path("split").asText())) {
                        continue;
                    }
                    List<String> texts = new ArrayList<>();
                    im.path("sentences").forEach(s -> texts.add(s.path("raw").asText()));
                    String folder = im.path("filepath").asText("");
                    String file = folder.isEmpty() ? im.path("filename").asText()
                            : folder + "/" + im.path("filename").asText();
                    out.add(RowFactory.create(e.name(), im.path("cocoid").asText(), "coco:" + im.path("cocoid").asText(),
                            join(images, file), scala.jdk.javaapi.CollectionConverters.asScala(texts).toSeq()));
                }
            }
            case "refcoco" -> {
                JsonNode refs = json(e.require("refs"), "RefCOCO refs file");
                JsonNode instances = json(e.require("instances"), "COCO instances file");
                String images = e.require("images");
                List<String> splits = List.of(e.settings().getOrDefault("splits", "val,testA,testB,test").split(","));
                Map<String, String> files = new HashMap<>();
                instances.path("images").forEach(im -> files.put(im.path("id").asText(), im.path("file_name").asText()));
                for (JsonNode r : refs.isArray() ? refs : refs.path("refs")) {
                    if (!splits.contains(r.path("split").asText())) {
                        continue;
                    }
                    List<String> texts = new ArrayList<>();
                    r.path("sentences").forEach(s -> texts.add(s.path("sent").asText(s.path("raw").asText())));
                    String imageId = r.path("image_id").asText();
                    String file = files.get(imageId);
                    out.add(RowFactory.create(e.name(), r.path("ref_id").asText(), "coco:" + imageId,
                            file == null ? null : join(images, file),
                            scala.jdk.javaapi.CollectionConverters.asScala(texts).toSeq()));
                }
            }
            case "vqa2" -> {
                JsonNode questions = json(e.require("questions"), "VQAv2 questions file");
                String images = e.require("images");
                String pattern = e.settings().getOrDefault("file_pattern", "COCO_val2014_%012d.jpg");
                Map<String, List<String>> byImage = new LinkedHashMap<>();
                questions.path("questions").forEach(q -> byImage.computeIfAbsent(q.path("image_id").asText(),
                        k -> new ArrayList<>()).add(q.path("question").asText()));
                byImage.forEach((id, qs) -> out.add(RowFactory.create(e.name(), id, "coco:" + id,
                        join(images, String.format(Locale.ROOT, pattern, Long.parseLong(id))),
                        scala.jdk.javaapi.CollectionConverters.asScala(qs).toSeq())));
            }
            case "snli-ve" -> {
                // SNLI-VE jsonl: Flickr30K_ID (or Flickr30kID) and the hypothesis (sentence2), by image
                Map<String, List<String>> byImage = new LinkedHashMap<>();
                String file = e.require("annotations");
                try {
                    for (String line : Files.readAllLines(Path.of(file))) {
                        if (line.isBlank()) {
                            continue;
                        }
                        JsonNode n = JSON.readTree(line);
                        String id = n.has("Flickr30K_ID") ? n.path("Flickr30K_ID").asText() : n.path("Flickr30kID").asText();
                        byImage.computeIfAbsent(id, k -> new ArrayList<>()).add(n.path("sentence2").asText());
                    }
                } catch (IOException ex) {
                    throw new IllegalArgumentException("Cannot read eval." + e.name() + ".annotations " + file + ": "
                            + ex.getMessage(), ex);
                }
                String images = e.require("images");
                byImage.forEach((id, hyps) -> out.add(RowFactory.create(e.name(), id, "flickr30k:" + id,
                        join(images, id + ".jpg"), scala.jdk.javaapi.CollectionConverters.asScala(hyps).toSeq())));
            }
            case "image-folder" -> {
                Path dir = Path.of(e.require("path"));
                try (var files = Files.walk(dir)) {
                    for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                        out.add(RowFactory.create(e.name(), dir.relativize(f).toString(), null, f.toUri().toString(),
                                scala.jdk.javaapi.CollectionConverters.asScala(List.<String>of()).toSeq()));
                    }
                } catch (IOException ex) {
                    throw new IllegalArgumentException("Cannot list eval." + e.name() + ".path " + dir + ": "
                            + ex.getMessage(), ex);
                }
            }
            default -> throw new IllegalArgumentException("Unknown evaluation set type " + e.type());
        }
        return out;
    }
}
