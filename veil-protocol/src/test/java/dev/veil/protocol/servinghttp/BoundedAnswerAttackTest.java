package dev.veil.protocol.servinghttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A peer nobody trusts (a replica's host, a key broker) answers a client of Veil's: with a body of any size, or with
 * headers and then a body it never finishes. The client holds at most its bound and hangs up, and gives up at its
 * deadline, body included (the JDK's own request timeout ends at the headers).
 */
class BoundedAnswerAttackTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void anAnswerOverItsBoundIsRefusedAndTheConnectionClosed() throws Exception {
        long huge = 64L << 20;
        AtomicLong written = new AtomicLong();
        try (ServerSocket peer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> answering = CompletableFuture.runAsync(() -> answer(peer, huge, written, false));
            Throwable t = catchThrowable(() -> BoundedAnswer.exchange(HTTP, request(peer), 64 * 1024, 1024, Duration.ofMinutes(2)));
            answering.join();
            assertThat(t).isInstanceOf(BoundedAnswer.TooLarge.class);
            assertThat(written.get()).as("bytes the peer got written before the client hung up").isLessThan(huge);
        }
    }

    @Test
    void anAnswerWhoseBodyNeverEndsIsGivenUpOnAtTheDeadline() throws Exception {
        try (ServerSocket peer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> answering = CompletableFuture.runAsync(() -> answer(peer, 1000, new AtomicLong(), true));
            Throwable t = catchThrowable(() -> BoundedAnswer.exchange(HTTP, request(peer), 64 * 1024, 1024, Duration.ofSeconds(1)));
            assertThat(t).isInstanceOf(HttpTimeoutException.class);
            answering.cancel(true);
        }
    }

    @Test
    void aRefusalIsHeldToTheRefusalsBound() throws Exception {
        try (ServerSocket peer = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> answering = CompletableFuture.runAsync(() -> {
                try (Socket s = peer.accept()) {
                    readHead(s.getInputStream());
                    s.getOutputStream().write(("HTTP/1.1 503 Busy\r\nContent-Length: 4096\r\n\r\n" + "x".repeat(4096))
                            .getBytes(StandardCharsets.US_ASCII));
                } catch (IOException hungUp) {
                    // the client hung up: what it should do
                }
            });
            Throwable t = catchThrowable(() -> BoundedAnswer.exchange(HTTP, request(peer), 64 * 1024, 1024, Duration.ofMinutes(2)));
            answering.join();
            assertThat(t).isInstanceOf(BoundedAnswer.TooLarge.class);
        }
    }

    private static HttpRequest request(ServerSocket peer) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + peer.getLocalPort() + "/v1/attest"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
    }

    /** Answers 200 with a body of {@code length} bytes; with {@code stall}, part of it, then nothing until the client goes. */
    private static void answer(ServerSocket peer, long length, AtomicLong written, boolean stall) {
        try (Socket s = peer.accept()) {
            s.setSoTimeout(60_000);   // a test peer never outlives its test for long
            readHead(s.getInputStream());
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[(int) Math.min(length - 1, 1 << 20)];
            try {
                while (written.get() + chunk.length < length) {
                    out.write(chunk);
                    written.addAndGet(chunk.length);
                    if (stall) {
                        break;
                    }
                }
                out.flush();
                if (stall) {
                    s.getInputStream().read();   // until the client hangs up
                }
            } catch (IOException hungUp) {
                // the client stopped reading and closed (or went quiet past the timeout)
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return;
            }
            head.append((char) b);
        }
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                in.readNBytes(Integer.parseInt(line.substring("content-length:".length()).trim()));
            }
        }
    }
}
