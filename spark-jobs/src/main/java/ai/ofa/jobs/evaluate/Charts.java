package ai.ofa.jobs.evaluate;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.statistics.HistogramDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** The evaluate job's plots, drawn with JFreeChart and written as PNG (headless). */
final class Charts {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 540;

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Charts() {
    }

    static Path histogram(Path file, String title, String xLabel, double[] values, int bins, double min, double max)
            throws IOException {
        HistogramDataset data = new HistogramDataset();
        data.addSeries(xLabel, values.length == 0 ? new double[]{Double.NaN} : values, bins, min, max);
        JFreeChart chart = ChartFactory.createHistogram(title, xLabel, "count", data, PlotOrientation.VERTICAL,
                false, false, false);
        chart.getXYPlot().setBackgroundPaint(java.awt.Color.WHITE);
        chart.getXYPlot().setRangeGridlinePaint(java.awt.Color.GRAY);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
        return file;
    }

    static Path curve(Path file, String title, String xLabel, String yLabel, double[] x, double[] y)
            throws IOException {
        XYSeries s = new XYSeries(yLabel);
        for (int i = 0; i < x.length; i++) {
            if (y[i] >= 0) {
                s.add(x[i], y[i]);
            }
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, new XYSeriesCollection(s),
                PlotOrientation.VERTICAL, false, false, false);
        chart.getXYPlot().getRangeAxis().setRange(0, 1.02);
        chart.getXYPlot().getDomainAxis().setRange(0, 1);
        chart.getXYPlot().setBackgroundPaint(java.awt.Color.WHITE);
        chart.getXYPlot().setRangeGridlinePaint(java.awt.Color.GRAY);
        chart.getXYPlot().setDomainGridlinePaint(java.awt.Color.GRAY);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
        return file;
    }

    static Path bars(Path file, String title, String category, String value, Map<String, Double> values)
            throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        values.forEach((k, v) -> data.addValue(v, value, k));
        JFreeChart chart = ChartFactory.createBarChart(title, category, value, data, PlotOrientation.HORIZONTAL,
                false, false, false);
        chart.getCategoryPlot().getRangeAxis().setRange(0, 1.0);   // accuracies and APs: the whole scale
        chart.getCategoryPlot().setBackgroundPaint(java.awt.Color.WHITE);
        chart.getCategoryPlot().setRangeGridlinePaint(java.awt.Color.GRAY);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, Math.max(HEIGHT, 60 + 24 * values.size()));
        return file;
    }
}
