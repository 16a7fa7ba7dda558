package ai.ofa.jobs.report;

import ai.ofa.jobs.enrich.EnrichJob;
import ai.ofa.jobs.enrich.EnrichOptions;
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
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTML report: built from a real enrich run, and opened in a real headless Chromium, where a known detection's
 * box must land on the right pixels of the screenshot and the page must log nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public class ReportJobTest {
    private SparkSession spark;
    private Path root;

    @BeforeAll
    void start() {
        spark = SparkSession.builder().master("local[2]").appName("report-test").config("spark.ui.enabled", "false")
                .getOrCreate();
        root = Path.of(System.getProperty("ofa.project.root"));
    }

    @AfterAll
    void stop() {
        spark.stop();
    }

    @Test
    void reportOfARealEnrichRunWithEveryTaskAndABadRow(@TempDir Path tmp) throws Exception {
        StructType schema = new StructType().add("key", DataTypes.StringType).add("image", DataTypes.BinaryType)
                .add("text", DataTypes.StringType).add("question", DataTypes.StringType);
        List<Row> rows = List.of(
                RowFactory.create("astronaut", Files.readAllBytes(root.resolve("examples/images/astronaut.png")),
                        "the woman", "what is she wearing?"),
                RowFactory.create("hubble", Files.readAllBytes(root.resolve("examples/images/hubble_deep_field.jpg")),
                        "the galaxy <b>", "how many?"),
                RowFactory.create("broken", new byte[]{1, 2, 3}, "x", "y"));
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(tmp.resolve("in").toString());
        Path out = tmp.resolve("out");
        EnrichJob.run(spark, EnrichOptions.parse(new String[]{"--input", tmp.resolve("in").toString(), "--output",
            out.toString(), "--model", root.resolve("models/ofa-tiny-random").toString(), "--tasks",
            "caption,ground,detect,classify,vqa", "--labels", "astronaut,galaxy"}));

        Path index = ReportJob.run(spark, ReportJob.parse(new String[]{"--input", out.toString(), "--output",
            tmp.resolve("report").toString(), "--sample", "10"}));
        String html = Files.readString(index);
        assertEquals(2, count(html, "src=\"data:image/jpeg;base64,"), "one thumbnail per decodable image");
        Matcher m = Pattern.compile("src=\"data:image/jpeg;base64,([A-Za-z0-9+/=]+)\"").matcher(html);
        while (m.find()) {
            assertTrue(m.group(1).length() < 80_000, "thumbnails are small, not the original bytes");
        }
        for (String task : List.of("caption", "grounding", "detection", "classification", "vqa")) {
            assertTrue(html.contains("<td>" + task + "</td><td>2</td><td>1</td>"), task + " counts: 2 ok, 1 error");
        }
        assertTrue(html.contains("id=\"error-0\""), "an errors table");
        assertTrue(Pattern.compile("<div class=\"card failed\" id=\"row-\\d+\">").matcher(html).find());
        assertTrue(html.contains("error: <a href=\"#error-"), "a failed row links to its error");
        assertTrue(html.contains("&ldquo;the galaxy &lt;b&gt;&rdquo;"), "texts are shown, escaped");
        assertTrue(html.contains("images/s") && html.contains("<td>3</td>"), "the run's throughput and rows");
        assertNoNetworkResources(html);
        // the same seed gives the same report
        Path again = ReportJob.run(spark, ReportJob.parse(new String[]{"--input", out.toString(), "--output",
            tmp.resolve("report2").toString(), "--sample", "10"}));
        assertEquals(Files.readString(index), Files.readString(again));
    }

    private static void assertNoNetworkResources(String html) {
        Matcher refs = Pattern.compile("(?:src|href)=\"([^\"#][^\"]*)\"|url\\(").matcher(html);
        while (refs.find()) {
            assertTrue(refs.group(1) != null && refs.group(1).startsWith("data:"), "external resource: "
                    + refs.group());
        }
    }

    private static int count(String s, String sub) {
        int n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + 1)) {
            n++;
        }
        return n;
    }

    /** A crafted enrich output whose one row has a known detection on a plain blue 400 x 300 image. */
    private Path knownDetectionOutput(Path tmp) throws Exception {
        BufferedImage img = new BufferedImage(400, 300, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(40, 40, 200));
        g.fillRect(0, 0, 400, 300);
        g.dispose();
        Path png = tmp.resolve("blue.png");
        ImageIO.write(img, "png", png.toFile());
        Path in = tmp.resolve("in");
        spark.createDataFrame(List.of(RowFactory.create("blue", png.toUri().toString())),
                new StructType().add("key", DataTypes.StringType).add("uri", DataTypes.StringType))
                .coalesce(1).write().parquet(in.toString());
        String inputFile;
        try (var files = Files.list(in)) {
            inputFile = files.filter(f -> f.toString().endsWith(".parquet")).findFirst().orElseThrow().toUri()
                    .toString();
        }
        Map<String, String> prov = Map.of("model_name", "m", "model_sha256", "0", "onnxruntime_version", "1");
        Row detection = ResultSchema.toRow(Outcome.ok(OfaResult.ofText("", new int[0], new float[0], -1)
                .withDetections(List.of(new Detection("box", new Box(100, 50, 300, 250), new int[4], -0.5)))), prov);
        Row caption = ResultSchema.toRow(Outcome.ok(OfaResult.ofText("a blue square", new int[0], new float[0], -1)),
                prov);
        StructType outSchema = new StructType().add("key", DataTypes.StringType).add("uri", DataTypes.StringType)
                .add("caption", ResultSchema.RESULT).add("detection", ResultSchema.RESULT);
        Path out = tmp.resolve("out");
        String source = EnrichJob.sourceId(inputFile);
        spark.createDataFrame(List.of(RowFactory.create("blue", png.toUri().toString(), caption, detection)),
                outSchema).write().parquet(out.resolve("data/_source_id=" + source).toString());
        Files.createDirectories(out.resolve("_committed"));
        Files.writeString(out.resolve("_committed/" + source), inputFile + "\n");
        Files.createDirectories(out.resolve("_runs"));
        Files.writeString(out.resolve("_runs/run-1.json"), "{\"input\": \"" + in.toUri() + "\", \"input_format\": "
                + "\"parquet\", \"image_col\": \"image\", \"key_col\": \"key\", \"path_col\": \"uri\", \"model\": "
                + "\"m\", \"rows\": 1, \"errors\": 0, \"seconds\": 2.0, \"images_per_second\": 0.5}");
        return out;
    }

    @Test
    void chromiumDrawsTheDetectionBoxOnTheRightPixelsAndLogsNothing(@TempDir Path tmp) throws Exception {
        Path index = ReportJob.run(spark, ReportJob.parse(new String[]{"--input", knownDetectionOutput(tmp).toString(),
            "--output", tmp.resolve("report").toString()}));
        Path shot = tmp.resolve("shot.png");
        List<String> cmd = new ArrayList<>(List.of(chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--disable-extensions", "--no-first-run", "--no-default-browser-check",
                "--metrics-recording-only", "--disable-breakpad", "--hide-scrollbars", "--force-device-scale-factor=1",
                "--window-size=1200,1600", "--enable-logging=stderr", "--v=0",
                "--user-data-dir=" + tmp.resolve("profile"), "--screenshot=" + shot, index.toUri().toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium did not finish");
        assertTrue(Files.exists(shot), "no screenshot; chromium said:\n" + log);
        List<String> console = log.lines().filter(l -> l.contains(":CONSOLE")).toList();
        assertEquals(List.of(), console, "the page logged messages");

        BufferedImage s = ImageIO.read(shot.toFile());
        int[] blue = bounds(s, (r, gr, b) -> Math.abs(r - 40) < 25 && Math.abs(gr - 40) < 25 && Math.abs(b - 200) < 30);
        int[] red = bounds(s, (r, gr, b) -> r > 200 && gr < 60 && b < 60);
        assertTrue(blue[2] > blue[0] && red[2] > red[0], "thumbnail or box not on the screenshot");
        double scale = (blue[2] - blue[0] + 1) / 400.0;
        assertEquals(320, blue[2] - blue[0] + 1, 2, "the thumbnail is shown 320 px wide");
        assertEquals(240, blue[3] - blue[1] + 1, 2, "with the image's 4:3 aspect");
        // the box (100, 50)-(300, 250) of the 400 x 300 original, on screen, its 3 px stroke centred on the edge
        assertEquals(blue[0] + 100 * scale, red[0] + 1.5, 3);
        assertEquals(blue[1] + 50 * scale, red[1] + 1.5, 3);
        assertEquals(blue[0] + 300 * scale, red[2] - 1.5, 3);
        assertEquals(blue[1] + 250 * scale, red[3] - 1.5, 3);
        assertFalse(s.getRGB((red[0] + red[2]) / 2, (red[1] + red[3]) / 2 + 30) == 0xffff0000,
                "the box is an outline, not filled");
    }

    interface Rgb {
        boolean test(int r, int g, int b);
    }

    /** {x0, y0, x1, y1} of the pixels that pass, inclusive. */
    static int[] bounds(BufferedImage img, Rgb t) {
        int[] b = {Integer.MAX_VALUE, Integer.MAX_VALUE, -1, -1};
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int p = img.getRGB(x, y);
                if (t.test(p >> 16 & 0xff, p >> 8 & 0xff, p & 0xff)) {
                    b[0] = Math.min(b[0], x);
                    b[1] = Math.min(b[1], y);
                    b[2] = Math.max(b[2], x);
                    b[3] = Math.max(b[3], y);
                }
            }
        }
        return b;
    }

    public static String chromium() {
        for (String c : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
            if (Files.isExecutable(Path.of(c))) {
                return c;
            }
        }
        throw new IllegalStateException("Chromium is not installed; scripts/setup.sh installs Debian's chromium");
    }
}
