package ai.ofa.jobs.corpus.audit;

import java.util.Locale;
import java.util.Map;

/**
 * Renders an {@link AuditModel} as one self-contained {@code audit/index.html}: inline CSS, thumbnails as data URIs,
 * the distance histogram as inline SVG, no network resource, and no script but a handler that logs any resource
 * that fails to load. Each pair is the corpus image beside the evaluation image it matched, with the rule, the
 * distance and the ids, so that a threshold can be judged by eye.
 *
 * <pre>{@code Files.writeString(dir.resolve("index.html"), AuditPage.render(model));}</pre>
 */
public final class AuditPage {
    /** Histogram bars of removed pairs are this colour, near misses {@link #NEAR_COLOUR} (tests look for them). */
    static final String REMOVED_COLOUR = "#d62728";
    static final String NEAR_COLOUR = "#1f77b4";
    /** Thumbnails fit this square. */
    public static final int THUMB_SIDE = 200;

    private AuditPage() {
    }

    public static String render(AuditModel m) {
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Leakage audit: ")
                .append(esc(m.output())).append("</title>\n<script>window.addEventListener('error', function (e) {"
                + " console.error('audit: failed to load ' + (e.target && e.target.src ? e.target.src.slice(0, 80)"
                + " : e.message)); }, true);</script>\n<style>\n")
                .append("body{font-family:sans-serif;margin:16px;color:#222;background:#fff}"
                        + "table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ccc;"
                        + "padding:3px 8px;text-align:left;font-size:13px}th{background:#f0f0f0}"
                        + ".pairs{display:flex;flex-wrap:wrap;gap:14px}.pair{border:1px solid #ccc;padding:8px;"
                        + "font-size:13px;width:" + (2 * THUMB_SIDE + 16) + "px}"
                        + ".imgs{display:flex;gap:8px}.imgs figure{margin:0;width:" + THUMB_SIDE + "px}"
                        + ".imgs img{display:block;max-width:" + THUMB_SIDE + "px;max-height:" + THUMB_SIDE + "px}"
                        + "figcaption{font-size:11px;color:#555;overflow-wrap:anywhere}"
                        + ".noimg{width:" + THUMB_SIDE + "px;height:60px;background:#eee;color:#666;display:flex;"
                        + "align-items:center;justify-content:center}.dist{font-weight:bold}"
                        + ".text{margin-top:4px;overflow-wrap:anywhere}.key{font-family:monospace;color:#555}\n")
                .append("</style></head><body>\n");
        h.append("<h1>Leakage audit</h1>\n<p>Corpus <code>").append(esc(m.output())).append("</code>. Perceptual hash ")
                .append(esc(m.hash())).append(" (").append(m.hashBits()).append(" bits), ");
        if (m.threshold() < 0) {
            h.append("perceptual rule off (ids and content hashes only).");
        } else {
            h.append("removed at a distance of at most <b>").append(m.threshold()).append("</b> bits; near misses ")
                    .append(m.threshold() + 1).append("..").append(m.threshold() + m.margin())
                    .append(" bits (audit.margin = ").append(m.margin()).append(").");
        }
        h.append(" Samples seeded with ").append(m.seed()).append(".</p>\n");

        h.append("<h2>Removals</h2>\n<table><tr><th>rule</th><th>evaluation set</th><th>removed</th>"
                + "<th>shown</th></tr>\n");
        for (AuditModel.Section s : m.sections()) {
            h.append("<tr><td>").append(esc(s.rule())).append("</td><td>").append(esc(orDash(s.evalSet())))
                    .append("</td><td>").append(s.total()).append("</td><td><a href=\"#").append(anchor(s))
                    .append("\">").append(s.sample().size()).append("</a></td></tr>\n");
        }
        h.append("</table>\n");
        histogram(h, m);
        for (AuditModel.Section s : m.sections()) {
            h.append("<h2 id=\"").append(anchor(s)).append("\">").append(esc(s.rule())).append(" / ")
                    .append(esc(orDash(s.evalSet()))).append(": ").append(s.sample().size()).append(" of ")
                    .append(s.total()).append("</h2>\n<div class=\"pairs\">\n");
            for (AuditModel.Pair p : s.sample()) {
                pair(h, p, "removed");
            }
            h.append("</div>\n");
        }
        h.append("<h2 id=\"near-misses\">Near misses: the ").append(m.nearMisses().size()).append(" closest of ")
                .append(m.nearMissTotal()).append(" pairs above the threshold (kept)</h2>\n");
        if (m.threshold() < 0 || m.margin() == 0) {
            h.append("<p>Not looked for (the perceptual rule is off, or audit.margin = 0).</p>\n");
        } else if (m.nearMisses().isEmpty()) {
            h.append("<p>No pair within ").append(m.margin()).append(" bits above the threshold.</p>\n");
        }
        h.append("<div class=\"pairs\">\n");
        for (AuditModel.Pair p : m.nearMisses()) {
            pair(h, p, "near");
        }
        h.append("</div>\n</body></html>\n");
        return h.toString();
    }

    private static void pair(StringBuilder h, AuditModel.Pair p, String kind) {
        h.append("<div class=\"pair ").append(kind).append("\" data-record=\"").append(esc(p.recordId()))
                .append("\"><div class=\"imgs\">");
        figure(h, p.corpusImage(), "corpus " + p.recordId() + " (" + p.source() + ")");
        figure(h, p.evalImage(), p.evalItem() == null ? "no evaluation image"
                : "evaluation " + p.evalSet() + " / " + p.evalItem());
        h.append("</div><div>");
        if (p.distance() != null) {
            h.append("<span class=\"dist\">").append(p.distance()).append(" bits</span> ");
        }
        if (p.detail() != null) {
            h.append("<span class=\"key\">").append(esc(p.detail())).append("</span>");
        }
        h.append("</div>");
        if (p.text() != null) {
            h.append("<div class=\"text\">").append(esc(p.text())).append("</div>");
        }
        h.append("</div>\n");
    }

    private static void figure(StringBuilder h, AuditModel.Thumb t, String caption) {
        h.append("<figure>");
        if (t == null) {
            h.append("<div class=\"noimg\">no image</div>");
        } else {
            h.append("<img src=\"").append(t.dataUri()).append("\" alt=\"").append(esc(caption)).append("\">");
        }
        h.append("<figcaption>").append(esc(caption));
        if (t != null) {
            h.append(" ").append(t.width()).append("x").append(t.height());
        }
        h.append("</figcaption></figure>");
    }

    /**
     * One bar per distance from 0 to threshold + margin, the pairs at that distance (square-root scale, so that a
     * few near misses beside many exact copies stay visible), removed pairs in red, near misses in blue, a dashed
     * line at the threshold.
     */
    static void histogram(StringBuilder h, AuditModel m) {
        h.append("<h2>Distances of the pairs the perceptual join found</h2>\n");
        if (m.threshold() < 0) {
            h.append("<p>The perceptual rule is off.</p>\n");
            return;
        }
        int max = m.threshold() + m.margin();
        long top = 1;
        for (long c : m.distances().values()) {
            top = Math.max(top, c);
        }
        int width = 720;
        int height = 180;
        int left = 40;
        int bottom = 24;
        double bar = (width - left - 10) / (double) (max + 1);
        h.append("<svg id=\"histogram\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width)
                .append("\" height=\"").append(height + bottom).append("\" role=\"img\" aria-label=\"pairs per "
                        + "distance\">\n");
        h.append("<line x1=\"").append(left).append("\" y1=\"").append(height).append("\" x2=\"").append(width - 10)
                .append("\" y2=\"").append(height).append("\" stroke=\"#444\"/>\n");
        h.append("<text x=\"2\" y=\"14\" font-size=\"11\">").append(top).append("</text>\n");
        for (Map.Entry<Integer, Long> e : m.distances().entrySet()) {
            int d = e.getKey();
            if (d > max) {
                continue;
            }
            double bh = Math.max(1, (height - 10) * Math.sqrt(e.getValue() / (double) top));
            h.append(String.format(Locale.ROOT, "<rect class=\"bar\" data-distance=\"%d\" data-pairs=\"%d\" "
                            + "x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%d bits: %d "
                            + "pairs</title></rect>%n", d, e.getValue(), left + d * bar, height - bh,
                    Math.max(1, bar - 1), bh, d <= m.threshold() ? REMOVED_COLOUR : NEAR_COLOUR, d, e.getValue()));
        }
        double tx = left + (m.threshold() + 1) * bar - 0.5;
        h.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\" stroke=\"#000\" "
                + "stroke-dasharray=\"4 3\"/>%n", tx, tx, height));
        int step = Math.max(1, (max + 1) / 8);
        for (int d = 0; d <= max; d += step) {
            h.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%d</text>%n",
                    left + d * bar, height + 16, d));
        }
        h.append("</svg>\n<p>Bits between a corpus image and the closest hash of an evaluation image (its crops "
                + "included); red: removed, blue: near misses, kept. The dashed line is the threshold.</p>\n");
    }

    private static String anchor(AuditModel.Section s) {
        return ("rule-" + s.rule() + "-" + orDash(s.evalSet())).replaceAll("[^A-Za-z0-9_-]", "_");
    }

    private static String orDash(String s) {
        return s == null ? "-" : s;
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
