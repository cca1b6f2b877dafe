package dev.veil.cli.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.enclave.serving.ServerLimits;
import dev.veil.provider.serving.ServingClient;
import dev.veil.provider.serving.ServingRefused;
import java.io.OutputStream;
import java.net.Socket;
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
     * One client holds the only slot with an upload it never finishes; the next request is answered 503 with
     * Retry-After at once instead of waiting, and the slot comes back when that client goes.
     */
    @Test
    void overloadIsAnswered503WithRetryAfter(@TempDir Path dir) throws Exception {
        try (ServingFixture f = new ServingFixture(dir, ServerLimits.defaults().withMaxInFlight(1))) {
            ServingClient dp = f.client();
            ServingRefused refused = null;
            try (Socket slow = new Socket("127.0.0.1", f.enclave.port())) {
                OutputStream out = slow.getOutputStream();
                out.write(("POST /v1/provision HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n\0\0").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                // The slow upload takes the slot once Jetty hands it to its endpoint; until then requests still pass.
                for (int i = 0; i < 500 && refused == null; i++) {
                    try {
                        dp.attestFresh();
                        Thread.sleep(10);
                    } catch (ServingRefused e) {
                        refused = e;
                    }
                }
                assertThat(refused).as("a request over the in-flight bound is refused").isNotNull();
                assertThat(refused.status()).isEqualTo(503);
                assertThat(refused.reason()).isEqualTo("overloaded");
                assertThat(refused.retryAfterSeconds()).isEqualTo(1);
            }
            // the slow client is gone: its slot is free again
            ServingRefused still = null;
            for (int i = 0; i < 500; i++) {
                try {
                    dp.attestFresh();
                    still = null;
                    break;
                } catch (ServingRefused e) {
                    still = e;
                    Thread.sleep(10);
                }
            }
            assertThat(still).isNull();
        }
    }
}
