package dev.veil.provider.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.veil.attest.Platform;
import dev.veil.protocol.contract.Dim;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.ValueSignature;
import dev.veil.protocol.contract.ValueType;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.serving.DataProviderAccess;
import dev.veil.protocol.serving.ServingBudget;
import dev.veil.protocol.serving.ServingContract;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.serving.ServingLimits;
import dev.veil.protocol.serving.SignedServingContract;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Review (hostile host or network attacker in front of a replica): the serving SDK's client reads every answer with
 * {@code BodyHandlers.ofByteArray()}, without any bound, before parsing it: the attestation's evidence, the log head, a
 * sealed answer, a refusal. Whoever answers in the replica's place can make a data provider's (or model provider's)
 * process buffer as many bytes as it sends, until it runs out of memory. The broker's clients bound their answers
 * ({@code BrokerHttp}: "a hostile broker cannot fill memory"; {@code ProviderDataKeys}); this one does not.
 *
 * <p>Here the "replica" answers the attestation challenge with a 128 MiB body (an evidence message is a few KiB, tens of
 * KiB with DCAP collateral). Expected fix: the client reads at most a bound per route (e.g. ofInputStream and
 * readNBytes(max + 1), as BrokerHttp does) and refuses in one line past it, hanging up; the server then cannot write the
 * whole body.
 */
class ServingClientUnboundedAnswerAttackTest {
    private static final long ANSWER_BYTES = 128L << 20;

    @Test
    void aHostileReplicaCannotMakeTheClientBufferAnAnswerOfAnySize() throws Exception {
        Identity mp = Identity.generate("model-provider", KeyWrapSuite.X25519);
        ModelSignature signature = new ModelSignature(
                List.of(ValueSignature.tensor("features", ValueType.FLOAT32, Dim.free("N"), Dim.fixed(4))),
                List.of(ValueSignature.tensor("label", ValueType.INT64, Dim.free("N"))));
        ServingContract c = ServingContract.draft(new ModelTerms("cd".repeat(32), "test model", signature), mp.publicIdentity(),
                new EnclavePolicy(Platform.SIM, List.of("ab".repeat(48)), false, true), KeyWrapSuite.X25519, OutputPolicy.npz(),
                DataProviderAccess.anyDataProvider(), new ServingBudget(1000L, 10000L), new ServingLimits(10, 60),
                Instant.now().plus(Duration.ofHours(1)));
        ServingContractVerifier.Verified contract = ServingContractVerifier.verify(SignedServingContract.unsigned(c).signedBy(mp),
                Instant.now());

        AtomicLong written = new AtomicLong();
        try (ServerSocket hostile = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> replica = CompletableFuture.runAsync(() -> answerHuge(hostile, written));
            ServingClient client = new ServingClient(URI.create("http://127.0.0.1:" + hostile.getLocalPort() + "/"), contract);
            Throwable refused = catchThrowable(client::attestFresh);
            replica.join();
            assertThat(refused).as("an answer of 128 MiB is not evidence").isNotNull();
            assertThat(written.get())
                    .as("bytes of a %d-byte attestation answer the client read before refusing it (%s)", ANSWER_BYTES, refused)
                    .isLessThan(ANSWER_BYTES);
        }
    }

    /** Takes one request, answers 200 with a body of ANSWER_BYTES, counting what the client takes until it hangs up. */
    private static void answerHuge(ServerSocket server, AtomicLong written) {
        try (Socket s = server.accept()) {
            InputStream in = s.getInputStream();
            readRequest(in);
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + ANSWER_BYTES + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[1 << 20];
            java.util.Arrays.fill(chunk, (byte) ' ');
            try {
                while (written.get() < ANSWER_BYTES) {
                    out.write(chunk);
                    written.addAndGet(chunk.length);
                }
                out.flush();
            } catch (java.io.IOException hungUp) {
                // the client stopped reading and closed: what a bounded client does
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void readRequest(InputStream in) throws java.io.IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return;
            }
            head.append((char) b);
        }
        long length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Long.parseLong(line.substring("content-length:".length()).trim());
            }
        }
        in.readNBytes((int) length);
    }
}
