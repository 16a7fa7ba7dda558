package ai.ofa.jobs.report;

import ai.ofa.spark.ImageCodeSchema;
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
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The report of an enrich output with a generate task (a struct with the PNG it drew, as
 * {@link ImageCodeSchema#GENERATED}) and a codes task ({@link ImageCodeSchema#CODES}): the generated image is shown
 * in its row with its prompt, and lands on the screen at its own size in a real headless Chromium.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReportGeneratedImagesTest {
    private static final Color GREEN = new Color(0, 200, 0);
    private static final Color MAGENTA = new Color(200, 0, 200);
    private SparkSession spark;

    @BeforeAll
    void start() {
        spark = SparkSession.builder().master("local[2]").appName("report-generated-test")
                .config("spark.ui.enabled", "false").getOrCreate();
    }

    @AfterAll
    void stop() {
        spark.stop();
    }

    /** A 256 x 256 PNG: left half green, right half magenta. */
    private static byte[] drawn() throws Exception {
        BufferedImage img = new BufferedImage(256, 256, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(GREEN);
        g.fillRect(0, 0, 128, 256);
        g.setColor(MAGENTA);
        g.fillRect(128, 0, 128, 256);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    private static scala.collection.Seq<Integer> codes(int n) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(i);
        }
        return scala.jdk.javaapi.CollectionConverters.asScala(out).toSeq();
    }

    private static Row generated(byte[] png, String status, String error) {
        boolean ok = status.equals("ok");
        return RowFactory.create(png, ok ? 256 : null, ok ? 256 : null, ok ? codes(1024) : null, ok ? -812.5 : null,
                null, 7L, status, error, "m", "0", "vq", "1", "1.20");
    }

    /** An enrich output whose rows have a generate result (drawn, failed, undecodable) and a codes result. */
    private Path output(Path tmp) throws Exception {
        StructType schema = new StructType().add("key", DataTypes.StringType).add("prompt", DataTypes.StringType)
                .add("generated", ImageCodeSchema.GENERATED).add("image_codes", ImageCodeSchema.CODES);
        Row codesOk = RowFactory.create(codes(1024), 32, 32, "ok", null, "vq", "1", "1.20");
        Row codesFailed = RowFactory.create(null, null, null, "error", "item 0: Image is null", "vq", "1", "1.20");
        List<Row> rows = List.of(
                RowFactory.create("drawn", "a green field <b>", generated(drawn(), "ok", null), codesOk),
                RowFactory.create("failed", "", generated(null, "error", "item 0: caption is empty"), codesFailed),
                RowFactory.create("corrupt", "noise", generated(new byte[]{1, 2, 3}, "ok", null), codesOk));
        Path out = tmp.resolve("out");
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(out.resolve("data").toString());
        Files.createDirectories(out.resolve("_runs"));
        Files.writeString(out.resolve("_runs/run-1.json"), "{\"input\": \"prompts\", \"tasks\": \"generate,codes\", "
                + "\"generate_text_col\": \"prompt\", \"rows\": 3, \"errors\": 1, \"seconds\": 9.0, "
                + "\"images_per_second\": 0.33}");
        return out;
    }

    private static String card(String html, String key) {
        Matcher m = Pattern.compile("<div class=\"card[^\"]*\" id=\"row-\\d+\">\n(?:(?!<div class=\"card).)*?"
                + "<div class=\"key\">" + key + "</div>.*?(?=<div class=\"card|</div>\n</body>)", Pattern.DOTALL)
                .matcher(html);
        assertTrue(m.find(), "no card for " + key);
        return m.group();
    }

    /** An itm and a score result: each shows the text it was asked about (the run record's column) and its P. */
    @Test
    void matchingAndScoringShowTheirTextAndProbability(@TempDir Path tmp) throws Exception {
        StructType schema = new StructType().add("key", DataTypes.StringType).add("alt", DataTypes.StringType)
                .add("itm", ai.ofa.spark.ResultSchema.RESULT).add("score", ai.ofa.spark.ResultSchema.RESULT);
        Row itm = RowFactory.create(null, null, null, -0.31, null, null, null, null, "yes", 0.734, "ok", null, "m",
                "0", "1.20");
        Row score = RowFactory.create(" a dog", null, null, -4.25, null, null, null, null, null, null, "ok", null,
                "m", "0", "1.20");
        Path out = tmp.resolve("out");
        spark.createDataFrame(List.of(RowFactory.create("k1", "a dog on a beach", itm, score)), schema).coalesce(1)
                .write().parquet(out.resolve("data").toString());
        Files.createDirectories(out.resolve("_runs"));
        Files.writeString(out.resolve("_runs/run-1.json"), "{\"input\": \"x\", \"itm_text_col\": \"alt\", "
                + "\"target_col\": \"alt\", \"rows\": 1, \"errors\": 0, \"seconds\": 1.0}");
        String html = Files.readString(ReportJob.run(spark, ReportJob.parse("--input", out.toString(), "--output",
                tmp.resolve("report").toString())));
        String row = card(html, "k1");
        assertTrue(row.contains("&ldquo;a dog on a beach&rdquo; &rarr; yes <small>P 0.734</small>"), row);
        assertTrue(row.contains("score -4.250"), row);
    }

    @Test
    void generatedImagesAreShownWithTheirPromptAndCodes(@TempDir Path tmp) throws Exception {
        Path index = ReportJob.run(spark, ReportJob.parse("--input", output(tmp).toString(), "--output",
                tmp.resolve("report").toString()));
        String html = Files.readString(index);
        assertTrue(html.contains("<td>generated</td><td>2</td><td>1</td>"), "generate counts: 2 ok, 1 error");
        assertTrue(html.contains("<td>image_codes</td><td>2</td><td>1</td>"), "codes counts");

        String drawn = card(html, "drawn");
        Matcher img = Pattern.compile("<img class=\"gen\" alt=\"generated of drawn\" width=\"256\" height=\"256\" "
                + "src=\"data:image/jpeg;base64,([A-Za-z0-9+/=]+)\">").matcher(drawn);
        assertTrue(img.find(), drawn);
        assertTrue(img.group(1).length() < 40_000, "a small thumbnail, not the PNG");
        BufferedImage shown = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(img.group(1))));
        assertEquals(256, shown.getWidth());
        assertEquals(256, shown.getHeight());
        assertClose(GREEN, new Color(shown.getRGB(60, 128)));
        assertClose(MAGENTA, new Color(shown.getRGB(200, 128)));
        assertTrue(drawn.contains("&ldquo;a green field &lt;b&gt;&rdquo;"), "the prompt, escaped: " + drawn);
        assertTrue(drawn.contains("score -812.500"), drawn);
        assertTrue(drawn.contains("32 x 32 codes: 0 1 2 3 4 5 6 7 ..."), drawn);
        assertFalse(drawn.contains("class=\"noimg\""), "no missing input image where the row's image was drawn");

        String failed = card(html, "failed");
        assertTrue(failed.contains("error: <a href=\"#error-") && failed.contains("caption is empty"), failed);
        assertFalse(failed.contains("class=\"gen\""));
        assertTrue(card(html, "corrupt").contains("generated image not decodable"), card(html, "corrupt"));
        assertEquals(1, html.split("class=\"gen\"", -1).length - 1, "one generated image");
    }

    private static void assertClose(Color want, Color got) {
        assertTrue(Math.abs(want.getRed() - got.getRed()) < 12 && Math.abs(want.getGreen() - got.getGreen()) < 12
                && Math.abs(want.getBlue() - got.getBlue()) < 12, "expected " + want + ", got " + got);
    }

    @Test
    void chromiumShowsTheGeneratedImageAtItsOwnSizeAndLogsNothing(@TempDir Path tmp) throws Exception {
        Path index = ReportJob.run(spark, ReportJob.parse("--input", output(tmp).toString(), "--output",
                tmp.resolve("report").toString()));
        Path shot = tmp.resolve("shot.png");
        List<String> cmd = List.of(ReportJobTest.chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--disable-extensions", "--no-first-run", "--no-default-browser-check",
                "--metrics-recording-only", "--disable-breakpad", "--hide-scrollbars", "--force-device-scale-factor=1",
                "--window-size=1200,1600", "--enable-logging=stderr", "--v=0",
                "--user-data-dir=" + tmp.resolve("profile"), "--screenshot=" + shot, index.toUri().toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium did not finish");
        assertTrue(Files.exists(shot), "no screenshot; chromium said:\n" + log);
        assertEquals(List.of(), log.lines().filter(l -> l.contains(":CONSOLE")).toList(), "the page logged messages");

        BufferedImage s = ImageIO.read(shot.toFile());
        int[] green = ReportJobTest.bounds(s, (r, g, b) -> r < 30 && Math.abs(g - 200) < 30 && b < 30);
        int[] magenta = ReportJobTest.bounds(s, (r, g, b) -> Math.abs(r - 200) < 30 && g < 30
                && Math.abs(b - 200) < 30);
        assertTrue(green[2] > green[0] && magenta[2] > magenta[0], "the generated image is not on the screenshot");
        // 256 x 256 on screen: two 128 px halves side by side, the same rows
        assertEquals(128, green[2] - green[0] + 1, 2);
        assertEquals(128, magenta[2] - magenta[0] + 1, 2);
        assertEquals(256, green[3] - green[1] + 1, 2);
        assertEquals(green[2] + 1, magenta[0], 2);
        assertEquals(green[1], magenta[1], 1);
    }
}
