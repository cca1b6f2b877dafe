package dev.veil.cli.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.cli.demo.Protobuf;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.serving.ServingBudget;
import dev.veil.enclave.serving.ServerLimits;
import dev.veil.provider.serving.ServingClient;
import dev.veil.provider.serving.ServingRefused;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.npz.Npz;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile model provider signs a serving model that fails in ONNX Runtime for some values of a data provider's cell
 * (an input-dependent Reshape) and answers normally for others, then reads the serving port's {@code /metrics}, which
 * answers anyone who reaches the port (the model provider reaches it to provision and audit). The answer's status is
 * the host's to see (docs/THREAT-MODEL.md, "Success or failure, to the host (not the MP)"); the model provider must not
 * learn, request by request, whether the data made its model fail: that is a bit of the data provider's data per
 * request. Today {@code veil_failures_total{reason="inference_failed"}} and {@code veil_requests_total{route="infer",
 * status="4xx"}} move for the failing request only. Fix: metrics that a model's run can steer are not served where the
 * model provider reads them (an operator-only listener), or do not tell a failed run from an answered one.
 */
class DataDependentFailureMetricsAttackTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void modelFailureOnADataProvidersCellIsNotReadableFromThePublicMetrics(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("fails-unless-one.onnx");
        Files.write(model, failsUnlessTheCellIsOne());
        try (ServingFixture f = new ServingFixture(dir, model, OutputPolicy.scores(), ServerLimits.defaults(), new ServingBudget(1000L, 10_000L))) {
            f.provision(f.client());
            ServingClient dp = f.client();
            dp.infer(ServingFixture.DP, cell(1f));   // attests once, so that only /v1/infer moves below
            Map<String, Double> before = inferCounters(f);
            dp.infer(ServingFixture.DP, cell(1f));
            Map<String, Double> afterAnswer = inferCounters(f);
            assertThatThrownBy(() -> dp.infer(ServingFixture.DP, cell(987654f)))
                    .as("the model fails on this cell").isInstanceOf(ServingRefused.class);
            Map<String, Double> afterFailure = inferCounters(f);
            assertThat(delta(afterAnswer, afterFailure))
                    .as("what /metrics shows anyone for a request the model failed on, against one it answered")
                    .isEqualTo(delta(before, afterAnswer));
        }
    }

    /** The request and failure counters the public port shows, by series; the scrape's own route left out. */
    static Map<String, Double> inferCounters(ServingFixture f) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(f.uri().resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        Map<String, Double> series = new TreeMap<>();
        if (r.statusCode() != 200) {
            return series;
        }
        r.body().lines()
                .filter(l -> l.startsWith("veil_failures_total") || l.startsWith("veil_requests_total"))
                .filter(l -> !l.contains("route=\"metrics\""))
                .forEach(l -> {
                    int space = l.lastIndexOf(' ');
                    series.put(l.substring(0, space), Double.parseDouble(l.substring(space + 1)));
                });
        return series;
    }

    static Map<String, Double> delta(Map<String, Double> from, Map<String, Double> to) {
        Map<String, Double> d = new TreeMap<>();
        for (Map.Entry<String, Double> e : to.entrySet()) {
            double change = e.getValue() - from.getOrDefault(e.getKey(), 0.0);
            if (change != 0) {
                d.put(e.getKey(), change);
            }
        }
        return d;
    }

    static byte[] cell(float value) {
        return Npz.write(NamedTensors.of(Tensor.ofFloats("x", new long[] {1, 1}, new float[] {value})));
    }

    /**
     * x: float32 [N, 1]; y = x + 0 * ReduceSum(Reshape(x, Reshape(Cast(x, int64), [-1]))): for one row, the Reshape
     * asks for as many elements as the cell's value, so ONNX Runtime fails unless the cell is 1.
     */
    private static byte[] failsUnlessTheCellIsOne() {
        Protobuf minusOne = new Protobuf().varint(1, 1).varint(2, 7).string(8, "minus_one")
                .bytes(9, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array());
        Protobuf zero = new Protobuf().varint(2, 1).string(8, "zero")
                .bytes(9, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0f).array());
        Protobuf graph = new Protobuf()
                .message(1, node("Cast", "c", "x").message(5, new Protobuf().string(1, "to").varint(3, 7).varint(20, 2)))
                .message(1, node("Reshape", "s", "c", "minus_one"))
                .message(1, node("Reshape", "z", "x", "s"))
                .message(1, node("ReduceSum", "t", "z"))
                .message(1, node("Mul", "u", "t", "zero"))
                .message(1, node("Add", "y", "x", "u"))
                .string(2, "fails-unless-one")
                .message(5, minusOne)
                .message(5, zero)
                .message(11, value("x"))
                .message(12, value("y"));
        return new Protobuf().varint(1, 8).string(2, "veil-test").message(7, graph)
                .message(8, new Protobuf().string(1, "").varint(2, 13)).toBytes();
    }

    static Protobuf node(String op, String output, String... inputs) {
        Protobuf n = new Protobuf();
        for (String i : inputs) {
            n.string(1, i);
        }
        return n.string(2, output).string(3, op.toLowerCase() + "_" + output).string(4, op);
    }

    /** float32 [N, 1] */
    private static Protobuf value(String name) {
        Protobuf shape = new Protobuf().message(1, new Protobuf().string(2, "N")).message(1, new Protobuf().varint(1, 1));
        return new Protobuf().string(1, name).message(2, new Protobuf().message(1, new Protobuf().varint(1, 1).message(2, shape)));
    }

}
