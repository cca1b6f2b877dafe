package dev.veil.bench;

import dev.veil.enclave.serving.InferStage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The serving enclave's per-stage timer ({@code veil_infer_stage}, one series per fixed stage name) read from its
 * {@code /metrics}: seconds summed and requests counted per stage, so that two readings give each stage's mean over
 * the requests between them.
 */
final class ServeStages {
    private static final String SUM = "veil_infer_stage_seconds_sum{stage=\"";
    private static final String COUNT = "veil_infer_stage_seconds_count{stage=\"";

    /** Per stage, in the order a request goes through them ({@link InferStage}): seconds summed, then requests counted. */
    private final Map<String, double[]> totals;

    private ServeStages(Map<String, double[]> totals) {
        this.totals = totals;
    }

    static ServeStages read(HttpClient http, URI metrics) throws Exception {
        String text = http.send(HttpRequest.newBuilder(metrics).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
        Map<String, double[]> totals = new LinkedHashMap<>();
        for (InferStage stage : InferStage.values()) {
            totals.put(stage.label(), new double[2]);
        }
        for (String line : text.split("\n")) {
            int at = line.startsWith(SUM) ? 0 : line.startsWith(COUNT) ? 1 : -1;
            if (at >= 0) {
                String rest = line.substring((at == 0 ? SUM : COUNT).length());
                String stage = rest.substring(0, rest.indexOf('"'));
                double value = Double.parseDouble(rest.substring(rest.lastIndexOf(' ') + 1).trim());
                totals.computeIfAbsent(stage, s -> new double[2])[at] = value;
            }
        }
        return new ServeStages(totals);
    }

    /** Each stage's mean milliseconds per request between {@code before} and this reading (null: none), in the stages' order. */
    Map<String, Double> meanMsSince(ServeStages before) {
        Map<String, Double> means = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : totals.entrySet()) {
            double[] then = before.totals.getOrDefault(e.getKey(), new double[2]);
            double count = e.getValue()[1] - then[1];
            means.put(e.getKey(), count == 0 ? null : ServeBench.round((e.getValue()[0] - then[0]) * 1000 / count));
        }
        return means;
    }
}
