package ai.ofa.jobs.enrich;

import ai.ofa.model.OfaModel;
import ai.ofa.model.SessionSettings;
import ai.ofa.task.Captioning;
import ai.ofa.task.Grounding;
import ai.ofa.task.OfaResult;
import ai.ofa.task.Outcome;
import ai.ofa.task.Vqa;
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
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Row <-> result alignment of the enrich job: every row has its own image, its own grounding text and its own
 * question (of different lengths, so batches are padded), batches of 4 mix rows, and each output row is compared,
 * by key, with the runtime called on that row alone: tokens, token log-probs (1e-4), text, bins. The model is the
 * reference fixture's converted package, whose outputs depend on image and text (the bundled random model's
 * greedy captions barely do), and the test first checks that the expected answers differ between rows.
 *
 * <p>What it fails on, by construction (not run as a hand mutation): a row given another row's text, question or
 * image (its log-probs then differ by far more than 1e-4, as the distinct-answer check in {@code start} requires),
 * a row lost or written twice, results of a batch handed back in another order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EnrichRowAlignmentTest {
    private static final String TASKS = "caption,ground,vqa";
    private static final double TOL = 1e-4;
    private static final int ROWS = 6;

    private SparkSession spark;
    private Path model;
    /** key -> image, text, question, and the runtime's answers per task column. */
    private final Map<String, byte[]> images = new LinkedHashMap<>();
    private final Map<String, String> texts = new LinkedHashMap<>();
    private final Map<String, String> questions = new LinkedHashMap<>();
    private final Map<String, Map<String, OfaResult>> expected = new LinkedHashMap<>();

    @BeforeAll
    void start() throws Exception {
        spark = SparkSession.builder().master("local[2]").appName("enrich-alignment")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        Path root = Path.of(System.getProperty("ofa.project.root"));
        model = root.resolve("ofa-udf/target/fixtures/reference/package");
        List<String> exprs = List.of("the person on the left", "a bright star", "the big red circle in the middle",
                "sky", "the small blue square near the bottom right corner", "a green line");
        List<String> qs = List.of("how many people are there?", "what colour is the sky?", "is it red?",
                "what is the shape on the left of the picture?", "why?", "where is the green line?");
        for (int i = 0; i < ROWS; i++) {
            String key = "row-" + i + (i < 2 ? (i == 0 ? ".png" : ".jpg") : ".png");
            images.put(key, i == 0 ? Files.readAllBytes(root.resolve("examples/images/astronaut.png"))
                    : i == 1 ? Files.readAllBytes(root.resolve("examples/images/hubble_deep_field.jpg"))
                    : synthetic(i));
            texts.put(key, exprs.get(i));
            questions.put(key, qs.get(i));
        }
        try (OfaModel m = OfaModel.load(model, SessionSettings.DEFAULT.withThreads(2))) {
            for (String key : images.keySet()) {
                List<byte[]> one = List.of(images.get(key));
                Map<String, OfaResult> byTask = new LinkedHashMap<>();
                byTask.put("caption", ok(new Captioning(m).run(one)));
                byTask.put("grounding", ok(new Grounding(m).run(one, List.of(texts.get(key)))));
                byTask.put("vqa", ok(new Vqa(m, Vqa.Mode.FREE).run(one, List.of(questions.get(key)), null)));
                expected.put(key, byTask);
            }
        }
        // The check means something only if rows' answers differ (tokens, or log-probs by more than 100x the
        // tolerance): a job that gave every row row 0's answer fails. This model's grounding picks the same bins on
        // every image (as in the reference fixture); their log-probs still differ per row.
        for (String task : List.of("caption", "grounding", "vqa")) {
            long distinct = expected.values().stream().map(t -> signature(t.get(task))).distinct().count();
            assertTrue(distinct >= ROWS / 2, task + ": only " + distinct + " distinct answers over " + ROWS + " rows");
        }
    }

    @AfterAll
    void stop() {
        spark.stop();
    }

    @Test
    void parquetRowsEachGetTheirOwnAnswers(@TempDir Path tmp) {
        StructType schema = new StructType().add("key", DataTypes.StringType).add("image", DataTypes.BinaryType)
                .add("text", DataTypes.StringType).add("question", DataTypes.StringType);
        List<Row> rows = new ArrayList<>();
        for (String key : images.keySet()) {
            rows.add(RowFactory.create(key, images.get(key), texts.get(key), questions.get(key)));
        }
        // Rows in a shuffled order across 3 input files, so output order cannot line up by accident.
        List<Row> shuffled = new ArrayList<>(rows);
        java.util.Collections.shuffle(shuffled, new Random(5));
        spark.createDataFrame(shuffled, schema).repartition(3).write().parquet(tmp.resolve("in").toString());
        EnrichJob.Summary s = EnrichJob.run(spark, options(tmp.resolve("in"), tmp.resolve("out")));
        assertEquals(0, s.errors());
        assertAligned(readOutput(tmp.resolve("out")), "key", k -> k);
    }

    @Test
    void folderWithATextFileJoinsEachFileToItsOwnText(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("in");
        Files.createDirectories(in);
        StringBuilder jsonl = new StringBuilder();
        List<String> keys = new ArrayList<>(images.keySet());
        java.util.Collections.reverse(keys);   // the text file in another order than the folder listing
        for (String key : keys) {
            Files.write(in.resolve(key), images.get(key));
            jsonl.append(String.format("{\"file\": \"%s\", \"text\": \"%s\", \"question\": \"%s\"}%n", key,
                    texts.get(key), questions.get(key)));
        }
        Path textFile = tmp.resolve("texts.jsonl");
        Files.writeString(textFile, jsonl);
        EnrichJob.Summary s = EnrichJob.run(spark, options(in, tmp.resolve("out"), "--input-format", "binaryfile",
                "--text-file", textFile.toString()));
        assertEquals(0, s.errors());
        assertAligned(readOutput(tmp.resolve("out")), "path", k -> k.substring(k.lastIndexOf('/') + 1));
    }

    private EnrichOptions options(Path in, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("--input", in.toString(), "--output", out.toString(),
                "--tasks", TASKS, "--model", model.toString(), "--batch-size", "4"));
        args.addAll(List.of(extra));
        return EnrichOptions.parse(args.toArray(new String[0]));
    }

    /** The job's result rows; the one place that knows the output layout. */
    private List<Row> readOutput(Path out) {
        return spark.read().parquet(out.resolve("data").toString()).collectAsList();
    }

    private void assertAligned(List<Row> rows, String keyCol, Function<String, String> keyOf) {
        assertEquals(ROWS, rows.size(), "rows out == rows in");
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Row r : rows) {
            String key = keyOf.apply(r.getAs(keyCol).toString());
            assertTrue(seen.add(key), "key " + key + " twice in the output");
            Map<String, OfaResult> want = expected.get(key);
            assertNotNull(want, "unknown key " + key);
            for (var task : want.entrySet()) {
                Row got = r.getStruct(r.fieldIndex(task.getKey()));
                String where = key + " " + task.getKey();
                assertEquals("ok", got.getAs("status"), where + ": " + got.getAs("error"));
                OfaResult w = task.getValue();
                assertArrayEquals(w.tokens(), ints(got.getList(got.fieldIndex("tokens"))), where + " tokens");
                List<Float> lp = got.getList(got.fieldIndex("token_logprobs"));
                assertEquals(w.tokenLogprobs().length, lp.size(), where + " token_logprobs length");
                for (int i = 0; i < lp.size(); i++) {
                    assertEquals(w.tokenLogprobs()[i], lp.get(i), TOL, where + " token_logprobs[" + i + "]");
                }
                assertEquals(w.text(), got.getAs("text"), where + " text");
                if (w.bins() != null) {
                    assertArrayEquals(w.bins(), ints(got.getList(got.fieldIndex("bins"))), where + " bins");
                }
            }
        }
    }

    private static String signature(OfaResult r) {
        StringBuilder b = new StringBuilder(java.util.Arrays.toString(r.tokens()));
        for (float lp : r.tokenLogprobs()) {
            b.append(' ').append(Math.round(lp / (100 * TOL)));
        }
        return b.toString();
    }

    private static OfaResult ok(List<Outcome<OfaResult>> outcomes) {
        assertEquals(1, outcomes.size());
        assertNotNull(outcomes.get(0).value(), outcomes.get(0).error());
        return outcomes.get(0).value();
    }

    private static int[] ints(List<Integer> xs) {
        return xs.stream().mapToInt(Integer::intValue).toArray();
    }

    /** A different picture per seed: background colour, size and shapes all drawn from the seed. */
    private static byte[] synthetic(int seed) throws Exception {
        Random rnd = new Random(seed);
        int w = 200 + rnd.nextInt(300);
        int h = 150 + rnd.nextInt(300);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(rnd.nextInt(256), rnd.nextInt(256), rnd.nextInt(256)));
        g.fillRect(0, 0, w, h);
        for (int k = 0; k < 6; k++) {
            g.setColor(new Color(rnd.nextInt(256), rnd.nextInt(256), rnd.nextInt(256)));
            int x = rnd.nextInt(w);
            int y = rnd.nextInt(h);
            if (k % 2 == 0) {
                g.fillOval(x, y, 20 + rnd.nextInt(w / 2), 20 + rnd.nextInt(h / 2));
            } else {
                g.fillRect(x, y, 20 + rnd.nextInt(w / 2), 20 + rnd.nextInt(h / 2));
            }
        }
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
