package ai.ofa.spark;

import ai.ofa.model.OfaModel;
import ai.ofa.model.SessionSettings;
import ai.ofa.task.Captioning;
import ai.ofa.task.OfaResult;
import ai.ofa.testing.Fixtures;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
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

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The MLlib stages and SQL functions on local[2]: batched results equal the runtime's, bad rows get errors. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OfaStagesSparkTest {
    private SparkSession spark;
    private String pkg;
    private byte[] astronaut;
    private byte[] hubble;
    private Dataset<Row> images;

    @BeforeAll
    void start() throws Exception {
        spark = SparkSession.builder().master("local[2]").appName("ofa-stages-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        Path root = Fixtures.projectRoot();
        pkg = root.resolve("models/ofa-tiny-random").toString();
        astronaut = Files.readAllBytes(root.resolve("examples/images/astronaut.png"));
        hubble = Files.readAllBytes(root.resolve("examples/images/hubble_deep_field.jpg"));
        StructType schema = new StructType().add("key", DataTypes.StringType).add("image", DataTypes.BinaryType)
                .add("expr", DataTypes.StringType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            rows.add(RowFactory.create("a" + i, astronaut, "the person"));
        }
        rows.add(RowFactory.create("bad-bytes", "not an image".getBytes(), "x"));
        rows.add(RowFactory.create("null-image", null, "x"));
        rows.add(RowFactory.create("h", hubble, null));
        images = spark.createDataFrame(rows, schema).repartition(2);
    }

    @AfterAll
    void stop() {
        spark.stop();
    }

    private static OfaCaptioner fastCaptioner(String pkg) {
        return (OfaCaptioner) new OfaCaptioner().setBeamSize(2).setMaxLen(4).setModelPath(pkg).setBatchSize(3);
    }

    @Test
    void captionerBatchesPartitionsAndKeepsEveryRow() {
        List<Row> out = fastCaptioner(pkg).transform(images).select("key", "caption").collectAsList();
        assertEquals(8, out.size(), "rows out == rows in");
        Map<String, Row> byKey = new HashMap<>();
        out.forEach(r -> byKey.put(r.getString(0), r.getStruct(1)));
        assertEquals(8, byKey.size(), "every key exactly once");
        OfaResult direct;
        try (OfaModel m = OfaModel.load(Path.of(pkg), SessionSettings.DEFAULT)) {
            direct = new Captioning(m, Captioning.DEFAULTS.withBeam(2).withMaxLen(4)).run(List.of(astronaut)).get(0).get();
        }
        Row a0 = byKey.get("a0");
        assertEquals("ok", a0.getAs("status"));
        assertEquals(direct.text(), a0.getAs("text"));
        List<Integer> tokens = a0.getList(a0.fieldIndex("tokens"));
        assertArrayEquals(direct.tokens(), tokens.stream().mapToInt(Integer::intValue).toArray());
        assertEquals("ofa-tiny-random", a0.getAs("model_name"));
        assertEquals(64, ((String) a0.getAs("model_sha256")).length());
        assertNotNull(a0.getAs("onnxruntime_version"));
        Row bad = byKey.get("bad-bytes");
        assertEquals("error", bad.getAs("status"));
        assertTrue(((String) bad.getAs("error")).contains("Not an image"));
        assertEquals("error", byKey.get("null-image").getAs("status"));
        assertEquals("ok", byKey.get("h").getAs("status"));
    }

    @Test
    void grounderReadsItsTextColumnAndNullTextIsAnErrorOfThatRow() {
        List<Row> out = new OfaGrounder().setTextCol("expr").setModelPath(pkg).transform(images)
                .select("key", "grounding").collectAsList();
        for (Row r : out) {
            Row g = r.getStruct(1);
            if (r.getString(0).startsWith("a")) {
                assertEquals("ok", g.getAs("status"));
                assertEquals(4, g.getList(g.fieldIndex("bins")).size());
                Row box = g.getStruct(g.fieldIndex("box"));
                assertTrue(box.getDouble(0) >= 0 && box.getDouble(2) <= 512.001);
            } else {
                assertEquals("error", g.getAs("status"), r.getString(0));
            }
        }
    }

    @Test
    void schemaProblemsFailBeforeAnyDataMoves() {
        String missing = assertThrows(IllegalArgumentException.class,
                () -> new OfaCaptioner().setInputCol("nope").setModelPath(pkg).transform(images)).getMessage();
        assertTrue(missing.contains("Column 'nope'") && missing.contains("available columns"), missing);
        String type = assertThrows(IllegalArgumentException.class,
                () -> new OfaCaptioner().setInputCol("key").setModelPath(pkg).transform(images)).getMessage();
        assertTrue(type.contains("has type string, expected binary"), type);
        String clash = assertThrows(IllegalArgumentException.class,
                () -> new OfaCaptioner().setOutputCol("expr").setModelPath(pkg).transform(images)).getMessage();
        assertTrue(clash.contains("already exists"), clash);
        assertThrows(IllegalArgumentException.class, () -> new OfaCaptioner().setBatchSize(0));
        assertThrows(IllegalArgumentException.class, () -> new OfaCaptioner().setDevice("tpu"));
        String noModel = assertThrows(IllegalArgumentException.class,
                () -> new OfaCaptioner().transform(images)).getMessage();
        assertTrue(noModel.contains("modelPath is not set"), noModel);
    }

    @Test
    void gpuWithoutAGrantedGpuFailsTheJobWithTheSettingToChange() {
        Exception e = assertThrows(Exception.class,
                () -> fastCaptioner(pkg).setDevice("gpu").transform(images).count());
        String all = e.toString() + (e.getCause() == null ? "" : e.getCause().toString());
        assertTrue(all.contains("granted no GPU") && all.contains("spark.task.resource.gpu.amount"), all);
    }

    @Test
    void pipelineSavesAndLoadsWithItsParams(@TempDir Path tmp) throws Exception {
        Pipeline p = new Pipeline().setStages(new PipelineStage[]{fastCaptioner(pkg).setOutputCol("c1"),
            new OfaGrounder().setTextCol("expr").setModelPath(pkg).setOutputCol("g1")});
        PipelineModel fitted = p.fit(images);
        String dir = tmp.resolve("pipeline").toString();
        fitted.write().overwrite().save(dir);
        PipelineModel loaded = PipelineModel.load(dir);
        OfaCaptioner c = (OfaCaptioner) loaded.stages()[0];
        assertEquals(2, (int) c.getOrDefault(c.beamSize()));
        assertEquals("c1", c.getOrDefault(c.outputCol()));
        List<Row> out = loaded.transform(images.filter("key = 'a1'")).select("c1.status", "g1.status").collectAsList();
        assertEquals(Arrays.asList("ok", "ok"), Arrays.asList(out.get(0).getString(0), out.get(0).getString(1)));
    }

    @Test
    void everyTaskStageRunsAndSavesItsParams(@TempDir Path tmp) {
        Dataset<Row> df = images.filter("key IN ('a0', 'h', 'bad-bytes')")
                .withColumn("question", org.apache.spark.sql.functions.lit("what is it"))
                .withColumn("hypothesis", org.apache.spark.sql.functions.col("expr"));
        OfaTransformer[] stages = {
            new OfaDetector().setMaxLen(9).setBeamSize(2).setOutputCol("det"),
            new OfaClassifier().setLabels(new String[]{"astronaut", "galaxy"}).setOutputCol("cls"),
            new OfaVqa().setAnswers(new String[]{"yes", "no", "two"}).setOutputCol("vqa_closed"),
            new OfaVqa().setOutputCol("vqa_free"),
            new OfaEntailment().setOutputCol("ent"),
        };
        Dataset<Row> out = df;
        for (OfaTransformer t : stages) {
            t.setModelPath(pkg).setBatchSize(2);
            out = t.transform(out);
        }
        for (Row r : out.collectAsList()) {
            String key = r.getAs("key");
            for (String col : new String[]{"det", "cls", "vqa_closed", "vqa_free", "ent"}) {
                Row res = r.getAs(col);
                String want = key.equals("bad-bytes") || (key.equals("h") && col.equals("ent")) ? "error" : "ok";
                assertEquals(want, res.getAs("status"), key + " " + col + ": " + res.getAs("error"));
            }
            if (key.equals("a0")) {
                Row cls = r.getAs("cls");
                assertTrue(List.of("astronaut", "galaxy").contains((String) cls.getAs("label")));
                Row closed = r.getAs("vqa_closed");
                assertTrue(List.of("yes", "no", "two").contains((String) closed.getAs("answer")));
                Row ent = r.getAs("ent");
                assertTrue(List.of("yes", "no", "maybe").contains((String) ent.getAs("answer")));
                assertNotNull(((Row) r.getAs("det")).getAs("detections"));
            }
        }
        OfaClassifier c = (OfaClassifier) stages[1];
        String dir = tmp.resolve("classifier").toString();
        try {
            c.write().overwrite().save(dir);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        assertArrayEquals(new String[]{"astronaut", "galaxy"}, OfaClassifier.load(dir).getOrDefault(c.labels()));
        assertThrows(IllegalArgumentException.class, () -> new OfaClassifier().setLabels(new String[0]));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new OfaClassifier().setModelPath(pkg)
                .transform(df)).getMessage().contains("labels are not set"));
    }

    @Test
    void itmScoreAndRegionCaptionStagesEqualTheRuntimeRowByRow(@TempDir Path tmp) throws Exception {
        StructType boxStruct = new StructType().add("x0", DataTypes.LongType).add("y0", DataTypes.LongType)
                .add("x1", DataTypes.LongType).add("y1", DataTypes.LongType);   // as JSON reads {"x0": 10, ...}
        StructType schema = new StructType().add("key", DataTypes.StringType).add("image", DataTypes.BinaryType)
                .add("alt", DataTypes.StringType).add("box", boxStruct)
                .add("box_text", DataTypes.StringType).add("box_array", DataTypes.createArrayType(DataTypes.DoubleType));
        List<Row> rows = new ArrayList<>();
        rows.add(RowFactory.create("a", astronaut, "an astronaut", RowFactory.create(10L, 20L, 300L, 400L),
                "10,20,300,400", scala.jdk.javaapi.CollectionConverters.asScala(List.of(10.0, 20.0, 300.0, 400.0))
                        .toSeq()));
        rows.add(RowFactory.create("h", hubble, "a galaxy", RowFactory.create(0L, 0L, 50L, 60L), "0,0,50,60",
                scala.jdk.javaapi.CollectionConverters.asScala(List.of(0.0, 0.0, 50.0, 60.0)).toSeq()));
        rows.add(RowFactory.create("no-text", astronaut, null, null, "1,2,3", null));
        rows.add(RowFactory.create("flat-box", astronaut, "", RowFactory.create(5L, 5L, 5L, 90L), "x,y,z,w",
                scala.jdk.javaapi.CollectionConverters.asScala(List.of(1.0, 2.0)).toSeq()));
        Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(2);
        Dataset<Row> out = df;
        for (OfaTransformer t : new OfaTransformer[]{new OfaImageTextMatcher().setTextCol("alt"),
            new OfaScorer().setTargetCol("alt"), new OfaRegionCaptioner(),
            new OfaRegionCaptioner().setBoxCol("box_text").setOutputCol("rc_text"),
            new OfaRegionCaptioner().setBoxCol("box_array").setOutputCol("rc_array")}) {
            out = t.setModelPath(pkg).setBatchSize(3).transform(out);
        }
        Map<String, Row> byKey = new HashMap<>();
        out.collectAsList().forEach(r -> byKey.put(r.getAs("key"), r));
        assertEquals(4, byKey.size(), "rows out == rows in");
        try (OfaModel m = OfaModel.load(Path.of(pkg), SessionSettings.DEFAULT)) {
            for (String key : List.of("a", "h")) {
                Row r = byKey.get(key);
                byte[] img = key.equals("a") ? astronaut : hubble;
                String alt = r.getAs("alt");
                OfaResult itm = new ai.ofa.task.ImageTextMatching(m).run(List.of(img), List.of(alt)).get(0).get();
                Row gotItm = r.getAs("itm");
                assertEquals("ok", gotItm.getAs("status"), key + ": " + gotItm.getAs("error"));
                assertEquals(itm.answer(), gotItm.getAs("answer"));
                assertEquals(itm.probability(), (double) gotItm.getAs("probability"), 1e-5, key + " itm");
                OfaResult score = new ai.ofa.task.Scoring(m).run(List.of(img), List.of(Captioning.PROMPT),
                        List.of(alt)).get(0).get();
                Row gotScore = r.getAs("score");
                assertEquals(score.score(), (double) gotScore.getAs("score"), 1e-4, key + " score");
                assertArrayEquals(score.tokens(), gotScore.<Integer>getList(gotScore.fieldIndex("tokens")).stream()
                        .mapToInt(Integer::intValue).toArray());
                Row b = r.getAs("box");
                ai.ofa.task.Box box = new ai.ofa.task.Box(b.getLong(0), b.getLong(1), b.getLong(2), b.getLong(3));
                OfaResult rc = new ai.ofa.task.RegionCaptioning(m).run(List.of(img), List.of(box)).get(0).get();
                for (String col : List.of("region_caption", "rc_text", "rc_array")) {
                    Row got = r.getAs(col);
                    assertEquals("ok", got.getAs("status"), key + " " + col + ": " + got.getAs("error"));
                    assertEquals(rc.text(), got.getAs("text"), key + " " + col + ": each box form, the same box");
                }
            }
        }
        Row noText = byKey.get("no-text");
        assertEquals("error", noText.<Row>getAs("itm").getAs("status"));
        assertEquals("error", noText.<Row>getAs("score").getAs("status"));
        assertTrue(noText.<Row>getAs("region_caption").<String>getAs("error").contains("Box column 'box' is null"));
        assertTrue(noText.<Row>getAs("rc_text").<String>getAs("error").contains("four numbers"));
        Row flat = byKey.get("flat-box");
        assertTrue(flat.<Row>getAs("region_caption").<String>getAs("error").contains("x1 > x0"));
        assertTrue(flat.<Row>getAs("rc_array").<String>getAs("error").contains("has 2 numbers, expected 4"));
        assertEquals("error", flat.<Row>getAs("score").getAs("status"), "an empty target is an error");

        String badType = assertThrows(IllegalArgumentException.class, () -> new OfaRegionCaptioner().setBoxCol("key")
                .setModelPath(pkg).transformSchema(new StructType().add("image", DataTypes.BinaryType)
                        .add("key", DataTypes.IntegerType))).getMessage();
        assertTrue(badType.contains("'key' (boxCol) has type int"), badType);
        OfaScorer scorer = new OfaScorer().setPrompt(" what is this?").setTargetCol("alt");
        String dir = tmp.resolve("scorer").toString();
        scorer.write().overwrite().save(dir);
        OfaScorer loaded = OfaScorer.load(dir);
        assertEquals(" what is this?", loaded.getOrDefault(loaded.prompt()), "the prompt's leading space is kept");
        assertEquals("alt", loaded.getOrDefault(loaded.targetCol()));
    }

    @Test
    void sqlFunctionsAnswerPerRow() {
        OfaFunctions.register(spark, pkg, "cpu", 1);
        images.createOrReplaceTempView("imgs");
        List<Row> out = spark.sql("SELECT key, ofa_caption(image).status, ofa_ground(image, expr).bins, "
                + "ofa_classify(image, array('astronaut', 'galaxy')).label, ofa_vqa(image, 'what is it').status "
                + "FROM imgs WHERE key IN ('a2', 'bad-bytes')").collectAsList();
        assertEquals(2, out.size());
        for (Row r : out) {
            if (r.getString(0).equals("a2")) {
                assertEquals("ok", r.getString(1));
                assertEquals(4, r.getList(2).size());
                assertTrue(List.of("astronaut", "galaxy").contains(r.getString(3)));
                assertEquals("ok", r.getString(4));
            } else {
                assertEquals("error", r.getString(1));
                assertEquals("error", r.getString(4));
            }
        }
    }
}
