package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Attack: whatever answers at the data provider's broker address (an impostor on the untrusted network) sends an
 * answer's headers, then its body a byte a second. 'veil batch open' asks the broker for every results key through
 * {@link OwnerDataKeys}; an HTTP request's timeout covers only the wait for the headers, so reading the body without a
 * deadline would hold the data provider's command as long as the trickle lasts.
 */
class BrokerAnswerTrickledToTheOwnerAttackTest {
    @Test
    void aTrickledAnswerEndsTheOwnersRequestAtItsDeadline() throws Exception {
        try (ServerSocket peer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread trickler = new Thread(() -> trickle(peer));
            trickler.setDaemon(true);
            trickler.start();
            URI url = URI.create("http://127.0.0.1:" + peer.getLocalPort() + "/");
            OwnerDataKeys keys = new OwnerDataKeys(url, BrokerFixture.DP, "00".repeat(32), Duration.ofSeconds(2));
            Throwable failed = assertTimeoutPreemptively(Duration.ofSeconds(20),
                    () -> catchThrowable(() -> keys.unwrap("results", "wrapped", null)));
            assertThat(failed).isInstanceOf(IOException.class);
        }
    }

    /** Answers the first request with headers promising 1,000 bytes, then sends one a second. */
    private static void trickle(ServerSocket peer) {
        try (Socket s = peer.accept()) {
            InputStream in = s.getInputStream();
            int last4 = 0;
            while (last4 != 0x0d0a0d0a) {   // the end of the request's head
                int b = in.read();
                if (b < 0) {
                    return;
                }
                last4 = (last4 << 8) | b;
            }
            OutputStream out = s.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            for (int i = 0; i < 1000; i++) {
                out.write(' ');
                out.flush();
                Thread.sleep(1000);
            }
        } catch (IOException | InterruptedException e) {
            // the client went away: what the test wants
        }
    }
}
