package dev.veil.cli.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.veil.enclave.serving.ServerLimits;
import dev.veil.protocol.servinghttp.ProvisionRelease;
import dev.veil.provider.serving.ServingClient;
import dev.veil.provider.serving.ServingRefused;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review (stranger on the network, no identity): {@code POST /v1/provision} takes a body of up to a whole model (1 GiB
 * by default) from anyone, read whole before anything in it is checked, with a deadline of ten minutes
 * ({@code modelUploadTimeout}), and even when the instance is already serving and would answer 409 to any release.
 * Those bytes come out of the one {@code BodyBudget} that data providers' requests are read into (the budget is one model
 * upload plus {@code maxInFlight} full requests). Two stalled uploads to a route that can no longer succeed hold the
 * whole budget, and every data provider's request is answered 503 for as long as the stranger keeps sending about a
 * budget's worth of bytes every ten minutes (default limits: about 2 GiB per 10 min, ≈ 3.5 MB/s).
 *
 * <p>Expected fix: an instance that takes no model (not EMPTY) refuses provisioning at its headers, before reading the
 * body; and/or provisioning uploads draw on a budget of their own, never the bytes data providers' requests need.
 */
class StrangersProvisionUploadsAttackTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void strangersStalledProvisionUploadsToAServingInstanceDoNotGetDataProvidersRequestsRefused(@TempDir Path dir) throws Exception {
        long maxModel = 1 << 20;
        int maxRequest = 512 * 1024;
        int inFlight = 4;
        long prefix = 4L + ProvisionRelease.MAX_JSON_BYTES;
        long budget = maxModel + prefix + (long) inFlight * maxRequest;   // as ServerLimits.defaults() shapes it
        ServerLimits d = ServerLimits.defaults();
        ServerLimits limits = new ServerLimits(d.idleTimeout(), d.requestTimeout(), Duration.ofMinutes(10), d.maxHeaderBytes(),
                maxRequest, maxModel, budget, inFlight, d.maxConnections(), d.retryAfter(),
                d.maxAnswerBytes());
        try (ServingFixture f = new ServingFixture(dir, limits)) {
            ServingClient mp = f.client();
            f.provision(mp);
            ServingClient dp = f.client();
            dp.attest();
            assertThat(dp.infer(ServingFixture.DP, ServingFixture.crops(1, 1)).outputsNpz()).as("before the attack").isNotEmpty();

            List<Socket> strangers = new ArrayList<>();
            try {
                strangers.add(stalledProvision(f, maxModel + prefix));          // the model upload's share
                strangers.add(stalledProvision(f, (long) inFlight * maxRequest)); // and the requests' share
                for (int i = 0; i < 3000 && bodyBytesHeld(f) < budget; i++) {
                    if (anyAnswered(strangers)) {
                        break;   // refused before the body was read: the fix; the request below shows it
                    }
                    Thread.sleep(10);
                }
                try {
                    assertThat(dp.infer(ServingFixture.DP, ServingFixture.crops(1, 2)).outputsNpz()).isNotEmpty();
                } catch (ServingRefused e) {
                    fail("a data provider's request was refused (HTTP " + e.status() + " " + e.reason() + ": " + e.getMessage()
                            + ") while a stranger's two stalled uploads to /v1/provision of an instance already serving held "
                            + bodyBytesHeld(f) + " of the server's " + budget + " body bytes");
                }
            } finally {
                for (Socket s : strangers) {
                    s.close();
                }
            }
        }
    }

    /** Headers for a provisioning body of {@code length} bytes, then all of it but the last byte. */
    private static Socket stalledProvision(ServingFixture f, long length) throws Exception {
        Socket s = new Socket("127.0.0.1", f.enclave.port());
        s.getOutputStream().write(("POST /v1/provision HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        try {
            s.getOutputStream().write(new byte[(int) length - 1]);
            s.getOutputStream().flush();
        } catch (java.io.IOException refusedEarly) {
            // the server answered and closed before taking the body: what a fixed server may do
        }
        return s;
    }

    private static boolean anyAnswered(List<Socket> sockets) throws Exception {
        for (Socket s : sockets) {
            if (s.isClosed() || s.getInputStream().available() > 0) {
                return true;
            }
        }
        return false;
    }

    private static double bodyBytesHeld(ServingFixture f) throws Exception {
        String scrape = HTTP.send(HttpRequest.newBuilder(f.uri().resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        return scrape.lines().filter(l -> l.startsWith("veil_request_bodies_bytes "))
                .mapToDouble(l -> Double.parseDouble(l.substring("veil_request_bodies_bytes ".length()))).findFirst().orElse(0);
    }
}
