package ai.ofa.jobs.enrich;

import ai.ofa.model.OfaModel;
import ai.ofa.model.SessionSettings;
import ai.ofa.task.Captioning;
import ai.ofa.task.Classification;
import ai.ofa.task.DetectionTask;
import ai.ofa.task.Grounding;
import ai.ofa.task.OfaResult;
import ai.ofa.task.Outcome;
import ai.ofa.task.Vqa;
import ai.ofa.generate.SearchSettings;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
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

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The enrich job on local[2], every task and every input format, checked field by field against the runtime's own
 * answers for the same images (the runtime called directly, one image at a time, no Spark).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EnrichMatchesRuntimeTest {
    private static final String GROUND = "the person on the left";
    private static final String QUESTION = "what is in the picture?";
    private static final List<String> LABELS = List.of("astronaut", "galaxy", "cat");
    private static final String TASKS = "caption,ground,detect,classify,vqa";
    private static final double TOL = 1e-4;

    private SparkSession spark;
    private Path root;
    private Path model;
    private final Map<String, byte[]> images = new HashMap<>();
    /** file name -> task column -> the runtime's answer. */
    private final Map<String, Map<String, OfaResult>> expected = new HashMap<>();

    @BeforeAll
    void start() throws Exception {
        spark = SparkSession.builder().master("local[2]").appName("enrich-vs-runtime")
                .config("spark.ui.enabled", "false").getOrCreate();
        root = Path.of(System.getProperty("ofa.project.root"));
        model = root.resolve("models/ofa-tiny-random");
        for (String name : List.of("astronaut.png", "hubble_deep_field.jpg")) {
            images.put(name, Files.readAllBytes(root.resolve("examples/images").resolve(name)));
        }
        try (OfaModel m = OfaModel.load(model, SessionSettings.DEFAULT)) {
            for (var e : images.entrySet()) {
                List<byte[]> one = List.of(e.getValue());
                Map<String, OfaResult> byTask = new HashMap<>();
                byTask.put("caption", ok(new Captioning(m).run(one)));
                byTask.put("grounding", ok(new Grounding(m).run(one, List.of(GROUND))));
                byTask.put("detection", ok(new DetectionTask(m).run(one)));
                byTask.put("classification", ok(new Classification(m, false, SearchSettings.beam(5).withMaxLen(32))
                        .run(one, LABELS)));
                byTask.put("vqa", ok(new Vqa(m, Vqa.Mode.FREE).run(one, List.of(QUESTION), null)));
                expected.put(e.getKey(), byTask);
            }
        }
    }

    private static OfaResult ok(List<Outcome<OfaResult>> outcomes) {
        assertEquals(1, outcomes.size());
        assertNotNull(outcomes.get(0).value(), outcomes.get(0).error());
        return outcomes.get(0).value();
    }

    @AfterAll
    void stop() {
        spark.stop();
    }

    private EnrichJob.Summary run(Path in, Path out, String... extra) {
        return EnrichJob.run(spark, options(in, out, extra));
    }

    private EnrichOptions options(Path in, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("--input", in.toString(), "--output", out.toString(),
                "--model", model.toString(), "--labels", String.join(",", LABELS), "--batch-size", "2"));
        if (!List.of(extra).contains("--tasks")) {
            args.addAll(List.of("--tasks", TASKS));   // picocli adds a second --tasks to the first
        }
        args.addAll(List.of(extra));
        return EnrichOptions.parse(args.toArray(new String[0]));
    }

    /** Every task column of every output row equals the runtime's answer for that row's image. */
    private void assertMatchesRuntime(Path out, String keyCol, java.util.function.Function<String, String> fileOfKey) {
        List<Row> rows = spark.read().parquet(out.resolve("data").toString()).collectAsList();
        assertEquals(images.size(), rows.size());
        for (Row r : rows) {
            String file = fileOfKey.apply(r.getAs(keyCol).toString());
            Map<String, OfaResult> want = expected.get(file);
            assertNotNull(want, "no expected answers for key " + r.getAs(keyCol));
            for (var task : want.entrySet()) {
                Row got = r.getStruct(r.fieldIndex(task.getKey()));
                String where = file + " " + task.getKey();
                assertEquals("ok", got.getAs("status"), where + ": " + got.getAs("error"));
                OfaResult w = task.getValue();
                assertEquals(w.text(), got.getAs("text"), where);
                assertArrayEquals(w.tokens(), ints(got.getList(got.fieldIndex("tokens"))), where);
                List<Float> lp = got.getList(got.fieldIndex("token_logprobs"));
                for (int i = 0; i < w.tokenLogprobs().length; i++) {
                    assertEquals(w.tokenLogprobs()[i], lp.get(i), TOL, where + " token_logprobs[" + i + "]");
                }
                assertEquals(w.score(), (double) got.getAs("score"), TOL, where + " score");
                assertEquals(w.label(), got.getAs("label"), where);
                assertEquals(w.answer(), got.getAs("answer"), where);
                assertEquals("ofa-tiny-random", got.getAs("model_name"));
                if (w.box() != null) {
                    Row b = got.getStruct(got.fieldIndex("box"));
                    assertEquals(w.box().x0(), b.getDouble(0), 1e-3, where);
                    assertEquals(w.box().y0(), b.getDouble(1), 1e-3, where);
                    assertEquals(w.box().x1(), b.getDouble(2), 1e-3, where);
                    assertEquals(w.box().y1(), b.getDouble(3), 1e-3, where);
                    assertArrayEquals(w.bins(), ints(got.getList(got.fieldIndex("bins"))), where);
                }
                if (w.detections() != null) {
                    List<Row> dets = got.getList(got.fieldIndex("detections"));
                    assertEquals(w.detections().size(), dets.size(), where);
                    for (int i = 0; i < dets.size(); i++) {
                        assertEquals(w.detections().get(i).label(), dets.get(i).getString(0), where + " det " + i);
                        assertEquals(w.detections().get(i).box().x0(), dets.get(i).getStruct(1).getDouble(0), 1e-3);
                        assertEquals(w.detections().get(i).box().y1(), dets.get(i).getStruct(1).getDouble(3), 1e-3);
                        assertEquals(w.detections().get(i).score(), dets.get(i).getDouble(2), TOL);
                    }
                }
            }
        }
    }

    private static int[] ints(List<Integer> xs) {
        return xs.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void parquetWithImageBytesAndTextColumns(@TempDir Path tmp) {
        StructType schema = new StructType().add("key", DataTypes.StringType).add("image", DataTypes.BinaryType)
                .add("text", DataTypes.StringType).add("question", DataTypes.StringType);
        List<Row> rows = new ArrayList<>();
        images.forEach((name, bytes) -> rows.add(RowFactory.create(name, bytes, GROUND, QUESTION)));
        spark.createDataFrame(rows, schema).write().parquet(tmp.resolve("in").toString());
        EnrichJob.Summary s = run(tmp.resolve("in"), tmp.resolve("out"));
        assertEquals(0, s.errors());
        assertMatchesRuntime(tmp.resolve("out"), "key", k -> k);
    }

    @Test
    void parquetWithImagePathsReadThroughHadoop(@TempDir Path tmp) {
        StructType schema = new StructType().add("key", DataTypes.StringType).add("uri", DataTypes.StringType)
                .add("text", DataTypes.StringType).add("question", DataTypes.StringType);
        List<Row> rows = new ArrayList<>();
        images.keySet().forEach(name -> rows.add(RowFactory.create(name,
                root.resolve("examples/images").resolve(name).toUri().toString(), GROUND, QUESTION)));
        spark.createDataFrame(rows, schema).write().parquet(tmp.resolve("in").toString());
        EnrichJob.Summary s = run(tmp.resolve("in"), tmp.resolve("out"), "--path-col", "uri");
        assertEquals(0, s.errors());
        assertMatchesRuntime(tmp.resolve("out"), "key", k -> k);
    }

    @Test
    void folderOfImageFilesWithATextFile(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("in");
        Files.createDirectories(in);
        StringBuilder jsonl = new StringBuilder();
        for (var e : images.entrySet()) {
            Files.write(in.resolve(e.getKey()), e.getValue());
            jsonl.append(String.format("{\"file\": \"%s\", \"text\": \"%s\", \"question\": \"%s\"}%n", e.getKey(),
                    GROUND, QUESTION));
        }
        Path texts = tmp.resolve("texts.jsonl");
        Files.writeString(texts, jsonl);
        EnrichOptions o = options(in, tmp.resolve("out"), "--input-format", "binaryfile", "--text-file",
                texts.toString(), "--show", "1");
        assertEquals(1, o.show());
        EnrichJob.Summary s = EnrichJob.run(spark, o);
        assertEquals(0, s.errors());
        assertMatchesRuntime(tmp.resolve("out"), "path", k -> k.substring(k.lastIndexOf('/') + 1));

        // --show: the first row by key, each task's answer, the expression and question from the text file
        String first = images.keySet().stream().sorted().findFirst().orElseThrow();
        Row row = spark.read().parquet(tmp.resolve("out/data").toString()).orderBy("path").first();
        String shown = EnrichSample.describe(spark, o, 1);
        List<String> lines = List.of(shown.split("\n"));
        assertEquals(List.of("the first 1 of the output's rows:", first), lines.subList(0, 2), shown);
        assertTrue(shown.contains("\n  caption   " + row.<Row>getAs("caption").getAs("text") + "\n"), shown);
        assertTrue(shown.contains("  ground    \"" + GROUND + "\" -> ("), shown);
        assertTrue(shown.contains("  vqa       \"" + QUESTION + "\" -> " + row.<Row>getAs("vqa").getAs("answer")),
                shown);
        assertTrue(shown.contains("\n  classify  " + row.<Row>getAs("classification").getAs("label") + "\n"), shown);
    }

    @Test
    void webdatasetShardsWithATextFile(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("shards");
        Files.createDirectories(in);
        Map<String, String> fileOfKey = new HashMap<>();
        StringBuilder jsonl = new StringBuilder();
        int i = 0;
        for (var e : images.entrySet()) {
            String key = String.format("0000%04d", i);
            fileOfKey.put(key, e.getKey());
            String ext = e.getKey().substring(e.getKey().lastIndexOf('.') + 1);
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(
                    Files.newOutputStream(in.resolve(String.format("%05d.tar", i))))) {
                ai.ofa.jobs.TestShards.member(tar, key + "." + ext, e.getValue());
                ai.ofa.jobs.TestShards.member(tar, key + ".txt", "a caption".getBytes(StandardCharsets.UTF_8));
            }
            jsonl.append(String.format("{\"key\": \"%s\", \"text\": \"%s\", \"question\": \"%s\"}%n", key, GROUND,
                    QUESTION));
            i++;
        }
        Path texts = tmp.resolve("texts.jsonl");
        Files.writeString(texts, jsonl);
        EnrichJob.Summary s = run(in, tmp.resolve("out"), "--input-format", "webdataset", "--text-file",
                texts.toString());
        assertEquals(0, s.errors());
        assertMatchesRuntime(tmp.resolve("out"), "key", fileOfKey::get);
        assertEquals(List.of("a caption", "a caption"), spark.read().parquet(tmp.resolve("out/data").toString())
                .select("input_caption").as(org.apache.spark.sql.Encoders.STRING()).collectAsList(),
                "the shard's own caption, renamed beside the caption task's column");
    }

    /**
     * The six tasks beyond the first five (entail, itm, region-caption, score, codes, generate) from a folder of
     * image files with a JSON text file, each row's answer equal to the runtime's for that row alone; a 0-byte image
     * is an error row of every image task, while text-to-image, which reads no image, still draws its caption.
     */
    @Test
    void entailItmRegionCaptionScoreCodesAndGenerateMatchTheRuntime(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("in");
        Files.createDirectories(in);
        Map<String, String> alt = Map.of("astronaut.png", "an astronaut in a suit", "hubble_deep_field.jpg",
                "galaxies in deep space", "empty.png", "a picture that is not there");
        StringBuilder jsonl = new StringBuilder();
        for (String name : alt.keySet()) {
            Files.write(in.resolve(name), images.getOrDefault(name, new byte[0]));
            jsonl.append(String.format("{\"file\": \"%s\", \"hypothesis\": \"there is a person\", \"text\": "
                    + "\"%s\", \"target\": \" %s\", \"box\": {\"x0\": 10, \"y0\": 20, \"x1\": 300, \"y1\": "
                    + "400}}%n", name, alt.get(name), alt.get(name)));
        }
        Path texts = tmp.resolve("texts.jsonl");
        Files.writeString(texts, jsonl);
        String vqgan = root.resolve("ofa-udf/target/fixtures/vqgan/reference/package").toString();
        EnrichJob.Summary s = run(in, tmp.resolve("out"), "--input-format", "binaryfile", "--text-file",
                texts.toString(), "--tasks", "entail,itm,region-caption,score,codes,generate", "--vqgan", vqgan,
                "--topk", "1");
        assertEquals(3, s.rows(), "rows out == rows in, the 0-byte file included");
        List<Row> rows = spark.read().parquet(tmp.resolve("out/data").toString()).collectAsList();
        assertEquals(3, rows.size());
        try (OfaModel m = OfaModel.load(model, SessionSettings.DEFAULT);
             ai.ofa.model.VqganModel vq = ai.ofa.model.VqganModel.load(Path.of(vqgan), SessionSettings.DEFAULT)) {
            for (Row r : rows) {
                String path = r.getAs("path");
                String file = path.substring(path.lastIndexOf('/') + 1);
                String text = alt.get(file);
                Row generated = r.getAs("generated");
                assertEquals("ok", generated.getAs("status"), file + ": " + generated.<String>getAs("error"));
                ai.ofa.task.GeneratedImage drawn = new ai.ofa.task.TextToImage(m, vq,
                        ai.ofa.generate.SamplingSettings.greedy()).run(List.of(text)).get(0).get();
                assertEquals(1024, generated.getList(generated.fieldIndex("codes")).size());
                assertArrayEquals(drawn.codes().codes(), ints(generated.getList(generated.fieldIndex("codes"))),
                        file + " generate");
                assertArrayEquals(drawn.png(), (byte[]) generated.getAs("png"), file + " generate png");
                if (file.equals("empty.png")) {
                    for (String col : List.of("entailment", "itm", "region_caption", "score", "image_codes")) {
                        Row res = r.getAs(col);
                        assertEquals("error", res.getAs("status"), col);
                        assertTrue(res.<String>getAs("error").toLowerCase(java.util.Locale.ROOT).contains("empty"), col + ": "
                                + res.<String>getAs("error"));
                    }
                    continue;
                }
                List<byte[]> one = List.of(images.get(file));
                OfaResult ent = ok(new ai.ofa.task.Entailment(m).run(one, List.of("there is a person"), null));
                OfaResult itm = ok(new ai.ofa.task.ImageTextMatching(m).run(one, List.of(text)));
                OfaResult rc = ok(new ai.ofa.task.RegionCaptioning(m).run(one,
                        List.of(new ai.ofa.task.Box(10, 20, 300, 400))));
                OfaResult score = ok(new ai.ofa.task.Scoring(m).run(one, List.of(ai.ofa.task.Captioning.PROMPT),
                        List.of(" " + text)));
                ai.ofa.image.CodeGrid codes = new ai.ofa.task.ImageCoding(vq).codes(one).get(0).get();
                Row e = r.getAs("entailment");
                assertEquals(ent.answer(), e.getAs("answer"), file + " entail");
                assertEquals(ent.score(), (double) e.getAs("score"), TOL, file + " entail");
                Row i = r.getAs("itm");
                assertEquals(itm.probability(), (double) i.getAs("probability"), 1e-5, file + " itm");
                assertEquals(rc.text(), r.<Row>getAs("region_caption").getAs("text"), file + " region-caption");
                assertEquals(score.score(), (double) r.<Row>getAs("score").getAs("score"), TOL, file + " score");
                Row c = r.getAs("image_codes");
                assertArrayEquals(codes.codes(), ints(c.getList(c.fieldIndex("codes"))), file + " codes");
                assertEquals("vqgan-reference-fixture", c.getAs("vqgan_name"));
            }
        }
        // the layout schemas/enrich-output.avsc documents: every task column, and the fields of the new structs
        com.fasterxml.jackson.databind.JsonNode avsc = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(root.resolve("schemas/enrich-output.avsc").toFile());
        Map<String, com.fasterxml.jackson.databind.JsonNode> documented = new HashMap<>();
        avsc.get("fields").forEach(f -> documented.put(f.get("name").asText(), f));
        StructType written = spark.read().parquet(tmp.resolve("out/data").toString()).schema();
        for (String col : List.of("entailment", "itm", "region_caption", "score", "generated", "image_codes")) {
            assertTrue(documented.containsKey(col), col + " is not in enrich-output.avsc");
        }
        for (String col : List.of("generated", "image_codes")) {
            List<String> fields = new ArrayList<>();
            documented.get(col).get("type").get(1).get("fields").forEach(f -> fields.add(f.get("name").asText()));
            assertEquals(List.of(((StructType) written.apply(col).dataType()).fieldNames()), fields, col);
        }
        String shown = EnrichSample.describe(spark, EnrichOptions.parse("--input", in.toString(), "--output",
                tmp.resolve("out").toString(), "--input-format", "binaryfile", "--model", model.toString(), "--tasks",
                "entail,itm,region-caption,score,codes,generate"), 1);
        assertTrue(shown.contains("  itm       \"an astronaut in a suit\" -> "), shown);
        assertTrue(shown.contains("  codes     32 x 32 codes: "), shown);
        assertTrue(shown.contains("  generate  \"an astronaut in a suit\" -> 256 x 256 PNG"), shown);
    }

    @Test
    void imageCodeTasksWithoutTheirPackagesFailBeforeAnyWork(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("in");
        Files.createDirectories(in);
        Files.write(in.resolve("a.png"), images.get("astronaut.png"));
        String noVqgan = assertThrows(ai.ofa.model.ModelPackageException.class, () -> run(in, tmp.resolve("out"),
                "--tasks", "codes")).getMessage();
        assertTrue(noVqgan.contains("No VQGAN package for ofa-tiny-random") && noVqgan.contains("--vqgan"), noVqgan);
        String scenes = root.resolve("models/ofa-scenes").toString();
        Path texts = tmp.resolve("texts.jsonl");
        Files.writeString(texts, "{\"file\": \"a.png\", \"text\": \"a red circle\"}\n");
        String noGraphs = assertThrows(ai.ofa.model.ModelPackageException.class, () -> EnrichJob.run(spark,
                EnrichOptions.parse("--input", in.toString(), "--output", tmp.resolve("out").toString(), "--tasks",
                        "generate", "--model", scenes, "--text-file", texts.toString()))).getMessage();
        assertTrue(noGraphs.contains("has no image-code graphs"), noGraphs);
        assertFalse(Files.exists(tmp.resolve("out/data")), "no unit ran");
        String unknown = assertThrows(IllegalArgumentException.class, () -> EnrichOptions.parse("--input", "x",
                "--output", "y", "--model", "m", "--tasks", "caption,draw")).getMessage();
        assertTrue(unknown.contains("Unknown task 'draw'") && unknown.contains("region-caption"), unknown);
    }

    @Test
    void aTextFileWithRepeatedKeysIsRefusedBeforeAnyWork(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("in");
        Files.createDirectories(in);
        Files.write(in.resolve("a.png"), images.get("astronaut.png"));
        Path texts = tmp.resolve("texts.jsonl");
        Files.writeString(texts, "{\"file\": \"a.png\", \"text\": \"x\"}\n{\"file\": \"a.png\", \"text\": \"y\"}\n");
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> run(in, tmp.resolve("out"), "--input-format", "binaryfile", "--text-file", texts.toString(),
                        "--tasks", "ground"));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("'a.png' 2 times"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertFalse(Files.exists(tmp.resolve("out/data")));
    }
}
