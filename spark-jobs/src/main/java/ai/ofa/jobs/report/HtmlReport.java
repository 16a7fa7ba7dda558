package ai.ofa.jobs.report;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders a {@link ReportModel} as one self-contained {@code index.html}: inline CSS, thumbnails as data URIs, boxes
 * as SVG over each thumbnail in the original image's pixel coordinates (so they land where the model put them at
 * any display size), no script but a handler that logs any resource that fails to load, and no network resource.
 * A generate task's image (the {@code png} of its result) is shown in its row, at most 256 px, with its prompt,
 * score and codes; a codes task's result as its grid size and first codes.
 *
 * <pre>{@code Files.writeString(dir.resolve("index.html"), HtmlReport.render(model));}</pre>
 */
public final class HtmlReport {
    /** Detection boxes are drawn in pure red, grounding boxes in pure cyan (tests look for these exact colours). */
    static final String DETECTION_COLOUR = "#ff0000";
    static final String GROUNDING_COLOUR = "#00ffff";
    /** Generated images are shown at most this many pixels wide and high (a VQGAN's 256 px: never scaled up). */
    static final int GENERATED_SIDE = 256;

    private HtmlReport() {
    }

    public static String render(ReportModel m) {
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>OFA report: ")
                .append(esc(m.output())).append("</title>\n<script>window.addEventListener('error', function (e) {"
                + " console.error('report: failed to load ' + (e.target && e.target.src ? e.target.src.slice(0, 80)"
                + " : e.message)); }, true);</script>\n<style>\n")
                .append("body{font-family:sans-serif;margin:16px;color:#222;background:#fff}"
                        + "table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ccc;padding:3px 8px;"
                        + "text-align:left;font-size:13px}th{background:#f0f0f0}"
                        + ".grid{display:flex;flex-wrap:wrap;gap:14px}.card{width:340px;border:1px solid #ccc;"
                        + "padding:8px;font-size:13px}.card.failed{border-color:#c00}"
                        + ".frame{position:relative;width:320px;margin:0 auto 6px;background:#ddd}"
                        + ".frame img,.frame svg{position:absolute;left:0;top:0;width:100%;height:100%;display:block}"
                        + ".noimg{width:320px;height:80px;background:#eee;color:#666;display:flex;align-items:center;"
                        + "justify-content:center;text-align:center}"
                        + ".key{font-family:monospace;word-break:break-all;color:#555}.err{color:#c00}"
                        + ".task{margin-top:3px;overflow-wrap:anywhere}.task b{display:inline-block;min-width:90px}"
                        + ".gen{display:block;margin:4px auto 2px}.codes{font-family:monospace;color:#555}\n")
                .append("</style></head><body>\n");
        h.append("<h1>OFA report</h1>\n<p>Output <code>").append(esc(m.output())).append("</code>: ")
                .append(m.rows()).append(" rows; ").append(m.cards().size()).append(" sampled (seed ")
                .append(m.sampleSeed()).append(").</p>\n");
        runs(h, m.runs());
        h.append("<h2>Tasks</h2>\n<table><tr><th>task</th><th>ok</th><th>error</th></tr>\n");
        for (ReportModel.TaskCount t : m.tasks()) {
            h.append("<tr><td>").append(esc(t.task())).append("</td><td>").append(t.ok()).append("</td><td>")
                    .append(t.error()).append("</td></tr>\n");
        }
        h.append("</table>\n");
        Map<String, Integer> cardOfKey = new HashMap<>();
        for (int i = 0; i < m.cards().size(); i++) {
            cardOfKey.put(m.cards().get(i).key(), i);
        }
        Map<String, Integer> errorId = new HashMap<>();
        h.append("<h2 id=\"errors\">Errors</h2>\n");
        if (m.errors().isEmpty()) {
            h.append("<p>No row failed.</p>\n");
        } else {
            h.append("<table><tr><th>task</th><th>reason</th><th>rows</th><th>examples</th></tr>\n");
            for (int i = 0; i < m.errors().size(); i++) {
                ReportModel.ErrorReason e = m.errors().get(i);
                errorId.put(e.task() + "\u0000" + e.reason(), i);
                h.append("<tr id=\"error-").append(i).append("\"><td>").append(esc(e.task())).append("</td><td class=\"err\">")
                        .append(esc(e.reason())).append("</td><td>").append(e.count()).append("</td><td>");
                for (String k : e.exampleKeys()) {
                    Integer c = cardOfKey.get(k);
                    h.append(c == null ? "<span class=\"key\">" + esc(k) + "</span> "
                            : "<a class=\"key\" href=\"#row-" + c + "\">" + esc(k) + "</a> ");
                }
                h.append("</td></tr>\n");
            }
            h.append("</table>\n");
        }
        h.append("<h2>Sample</h2>\n<div class=\"grid\">\n");
        for (int i = 0; i < m.cards().size(); i++) {
            card(h, i, m.cards().get(i), errorId);
        }
        h.append("</div>\n</body></html>\n");
        return h.toString();
    }

    private static void runs(StringBuilder h, List<Map<String, Object>> runs) {
        h.append("<h2>Runs</h2>\n");
        if (runs.isEmpty()) {
            h.append("<p>No run record (<code>_runs/</code>) in this output: throughput unknown.</p>\n");
            return;
        }
        h.append("<table><tr><th>finished</th><th>input</th><th>tasks</th><th>files</th><th>rows</th>"
                + "<th>errors</th><th>seconds</th><th>images/s</th><th>model</th></tr>\n");
        for (Map<String, Object> r : runs) {
            h.append("<tr>");
            for (String f : List.of("finished", "input", "tasks", "files", "rows", "errors", "seconds",
                    "images_per_second", "model")) {
                Object v = r.get(f);
                h.append("<td>").append(esc(v instanceof Double d ? String.format(Locale.ROOT, "%.2f", d)
                        : String.valueOf(v))).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    private static void card(StringBuilder h, int i, ReportModel.Card c, Map<String, Integer> errorId) {
        boolean failed = c.results().stream().anyMatch(t -> !"ok".equals(t.status()));
        h.append("<div class=\"card").append(failed ? " failed" : "").append("\" id=\"row-").append(i).append("\">\n");
        ReportModel.Thumbnail t = c.thumbnail();
        boolean drawn = c.results().stream().anyMatch(v -> v.generated() != null);
        if (t == null) {
            // a row whose image is the one a generate task drew (from a text) has no input image to miss
            if (!drawn) {
                h.append("<div class=\"noimg\">").append(esc(c.imageProblem() == null ? "image unavailable"
                        : c.imageProblem())).append("</div>\n");
            }
        } else {
            int W = t.originalWidth();
            int H = t.originalHeight();
            h.append("<div class=\"frame\" style=\"aspect-ratio:").append(W).append(" / ").append(H).append("\">")
                    .append("<img alt=\"").append(esc(c.key())).append("\" src=\"").append(t.dataUri()).append("\">")
                    .append("<svg viewBox=\"0 0 ").append(W).append(' ').append(H)
                    .append("\" preserveAspectRatio=\"none\" xmlns=\"http://www.w3.org/2000/svg\">");
            double font = Math.max(W, H) / 22.0;
            for (ReportModel.TaskView v : c.results()) {
                if (v.box() != null) {
                    rect(h, v.box(), GROUNDING_COLOUR, v.input() == null ? "" : v.input(), font);
                }
                if (v.detections() != null) {
                    for (ReportModel.Detected d : v.detections()) {
                        rect(h, d.box(), DETECTION_COLOUR, d.label(), font);
                    }
                }
            }
            h.append("</svg></div>\n");
        }
        h.append("<div class=\"key\">").append(esc(c.key())).append("</div>\n");
        for (ReportModel.TaskView v : c.results()) {
            h.append("<div class=\"task\"><b>").append(esc(v.task())).append("</b> ");
            if (!"ok".equals(v.status())) {
                Integer id = errorId.get(v.task() + "\u0000" + reasonOf(v.error()));
                h.append("<span class=\"err\">error: ");
                h.append(id == null ? esc(v.error()) : "<a href=\"#error-" + id + "\">" + esc(v.error()) + "</a>");
                h.append("</span>");
            } else {
                if (v.input() != null) {
                    h.append("&ldquo;").append(esc(v.input())).append("&rdquo; &rarr; ");
                }
                if (v.detections() != null) {
                    h.append(v.detections().size()).append(" object(s): ");
                    for (ReportModel.Detected d : v.detections()) {
                        h.append(esc(d.label())).append(String.format(Locale.ROOT, " (%.2f) ", d.score()));
                    }
                } else if (v.box() != null) {
                    h.append(String.format(Locale.ROOT, "[%.0f, %.0f, %.0f, %.0f]", v.box().x0(), v.box().y0(),
                            v.box().x1(), v.box().y1()));
                } else if (v.label() != null) {
                    h.append(esc(v.label()));
                } else if (v.answer() != null) {
                    h.append(esc(v.answer()));
                } else if (v.text() != null) {
                    h.append(esc(v.text()));
                }
                if (v.codes() != null) {
                    h.append("<span class=\"codes\">").append(esc(v.codes())).append("</span>");
                }
                if (v.generatedProblem() != null) {
                    h.append("<span class=\"err\">").append(esc(v.generatedProblem())).append("</span>");
                }
                if (v.probability() != null) {
                    h.append(String.format(Locale.ROOT, " <small>P %.3f</small>", v.probability()));
                }
                if (v.score() != null) {
                    h.append(String.format(Locale.ROOT, " <small>score %.3f</small>", v.score()));
                }
                ReportModel.Thumbnail g = v.generated();
                if (g != null) {
                    // shown at its own size (256 px for a VQGAN image), never scaled up
                    double scale = Math.min(1.0, GENERATED_SIDE / (double) Math.max(g.originalWidth(),
                            g.originalHeight()));
                    h.append("<img class=\"gen\" alt=\"").append(esc(v.task() + " of " + c.key()))
                            .append("\" width=\"").append(Math.max(1, Math.round(g.originalWidth() * scale)))
                            .append("\" height=\"").append(Math.max(1, Math.round(g.originalHeight() * scale)))
                            .append("\" src=\"").append(g.dataUri()).append("\">");
                }
            }
            h.append("</div>\n");
        }
        h.append("</div>\n");
    }

    /** The error reason as the errors table groups it (the per-item prefix removed). */
    static String reasonOf(String error) {
        return error == null ? "" : error.replaceAll(ai.ofa.task.Outcome.ITEM_PREFIX, "");
    }

    private static void rect(StringBuilder h, ReportModel.Box b, String colour, String label, double font) {
        h.append(String.format(Locale.ROOT, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" "
                        + "stroke=\"%s\" stroke-width=\"3\" vector-effect=\"non-scaling-stroke\" "
                        + "shape-rendering=\"crispEdges\"/>", b.x0(), b.y0(), Math.max(0, b.x1() - b.x0()),
                Math.max(0, b.y1() - b.y0()), colour));
        if (!label.isEmpty()) {
            h.append(String.format(Locale.ROOT, "<text x=\"%.2f\" y=\"%.2f\" font-size=\"%.1f\" fill=\"%s\" "
                    + "stroke=\"#000\" stroke-width=\"0.6\" paint-order=\"stroke\">%s</text>", b.x0() + font * 0.2,
                    b.y0() + font, font, colour, esc(label)));
        }
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(ch);
            }
        }
        return out.toString();
    }
}
