package dev.acidic.examples;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The benchmark's picture: throughput against stream threads, and latency percentiles of W1, W4 and W1F. */
final class BenchChart {
    private BenchChart() {}

    /**
     * @param oneInstance stream threads -> jobs/s with one processor instance
     * @param twoInstances total stream threads -> jobs/s with two instances (may be empty)
     * @param latencies workload name -> sorted submit-to-completion latencies in ms
     */
    static void write(Path png, Map<Integer, Double> oneInstance, Map<Integer, Double> twoInstances,
            Map<String, long[]> latencies, String subtitle) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYSeriesCollection tput = new XYSeriesCollection();
        XYSeries one = new XYSeries("1 processor instance");
        oneInstance.forEach(one::add);
        tput.addSeries(one);
        if (!twoInstances.isEmpty()) {
            XYSeries two = new XYSeries("2 instances (threads in total)");
            twoInstances.forEach(two::add);
            tput.addSeries(two);
        }
        JFreeChart left = ChartFactory.createXYLineChart("Throughput vs stream threads (W1, W3)", "stream threads",
                "jobs/s", tput, PlotOrientation.VERTICAL, true, false, false);
        ((NumberAxis) left.getXYPlot().getDomainAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        left.getXYPlot().setRenderer(new XYLineAndShapeRenderer(true, true));

        XYSeriesCollection lat = new XYSeriesCollection();
        for (Map.Entry<String, long[]> e : latencies.entrySet()) {
            XYSeries s = new XYSeries(e.getKey());
            long[] sorted = e.getValue();
            for (double p : List.of(1.0, 5.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 100.0)) {
                if (sorted.length > 0) {
                    s.add(p, Math.max(1, BenchReport.percentile(sorted, p)));
                }
            }
            lat.addSeries(s);
        }
        JFreeChart right = ChartFactory.createXYLineChart("Submit-to-completion latency", "percentile", "ms (log)", lat,
                PlotOrientation.VERTICAL, true, false, false);
        XYPlot plot = right.getXYPlot();
        LogAxis y = new LogAxis("ms (log)");
        y.setSmallestValue(1);
        plot.setRangeAxis(y);
        plot.setRenderer(new XYLineAndShapeRenderer(true, true));

        int w = 640;
        int h = 440;
        BufferedImage img = new BufferedImage(2 * w, h + 30, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        left.draw(g, new Rectangle2D.Double(0, 0, w, h));
        right.draw(g, new Rectangle2D.Double(w, 0, w, h));
        g.setColor(Color.DARK_GRAY);
        g.drawString(subtitle, 10, h + 20);
        g.dispose();
        ImageIO.write(img, "png", png.toFile());
    }
}
