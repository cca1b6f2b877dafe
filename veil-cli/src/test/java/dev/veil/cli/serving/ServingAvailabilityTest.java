package dev.veil.cli.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.enclave.serving.ServerLimits;
import dev.veil.provider.serving.ServingClient;
import dev.veil.provider.serving.ServingRefused;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Idle, slow and excess clients against a provisioned sim serving enclave over real sockets. */
class ServingAvailabilityTest {
    @Test
    void thousandIdleConnectionsDoNotStopAnHonestDataProvider(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir)) {
            f.provision(f.client());
            List<Socket> idle = new ArrayList<>();
            try {
                for (int i = 0; i < 1000; i++) {
                    Socket s = new Socket("127.0.0.1", f.enclave.port());
                    if (i % 2 == 1) {   // half stop in the middle of their headers, half never speak
                        s.getOutputStream().write("POST /v1/infer HTTP/1.1\r\nHost: x\r\nContent-Le".getBytes(StandardCharsets.US_ASCII));
                        s.getOutputStream().flush();
                    }
                    idle.add(s);
                }
                ServingClient.Inference a = f.client().infer(ServingFixture.DP, ServingFixture.crops(2, 1));
                assertThat(a.head().treeSize()).isEqualTo(1);
            } finally {
                for (Socket s : idle) {
                    s.close();
                }
            }
        }
    }

    /**
     * One client holds every byte the server lets request bodies hold, with an upload it never finishes (bodies are read
     * before admission, so a stalled body holds bytes, never a slot); the next request is answered 503 with Retry-After
     * at once instead of waiting, and the bytes come back when that client goes.
     */
    @Test
    void overloadIsAnswered503WithRetryAfter(@TempDir Path dir) throws Exception {
        ServerLimits d = ServerLimits.defaults().withMaxRequestBytes(64 * 1024);
        long model = 1 << 20;
        long bound = d.maxRequestBytes();   // one request's worth, the least the limits accept (model uploads are held apart)
        ServerLimits limits = new ServerLimits(d.idleTimeout(), d.requestTimeout(), d.modelUploadTimeout(), d.maxHeaderBytes(),
                d.maxRequestBytes(), model, bound, 1, d.maxConnections(), d.retryAfter(),
                d.maxAnswerBytes());
        try (ServingFixture f = new ServingFixture(dir, limits)) {
            ServingClient dp = f.client();
            try (Socket slow = new Socket("127.0.0.1", f.enclave.port())) {
                OutputStream out = slow.getOutputStream();
                out.write(("POST /v1/infer HTTP/1.1\r\nHost: x\r\nContent-Length: " + bound + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(new byte[(int) bound - 1]);
                out.flush();
                await(f, bound);   // /metrics answers outside every bound
                assertThatThrownBy(dp::attestFresh).isInstanceOfSatisfying(ServingRefused.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.reason()).isEqualTo("overloaded");
                    assertThat(e.retryAfterSeconds()).isEqualTo(1);
                });
            }
            await(f, 0);   // the slow client is gone: its bytes are free again
            assertThat(dp.attestFresh().enclave().instanceKeys()).isNotNull();
        }
    }

    private static void await(ServingFixture f, long bodyBytes) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String name = "veil_request_bodies_bytes ";
        for (int i = 0; http.send(HttpRequest.newBuilder(f.uri().resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString())
                .body().lines().filter(l -> l.startsWith(name)).mapToDouble(l -> Double.parseDouble(l.substring(name.length())))
                .noneMatch(v -> v == bodyBytes); i++) {
            assertThat(i).as("waiting for " + bodyBytes + " bytes of request bodies held").isLessThan(6000);
            Thread.sleep(10);
        }
    }
}
