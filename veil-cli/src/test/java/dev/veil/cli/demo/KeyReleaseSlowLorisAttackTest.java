package dev.veil.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.enclave.EnclaveConfig;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.wire.FrameChannel;
import dev.veil.protocol.wire.Messages;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow-loris after the hello (issue 7 item 5): the handshake deadline covers only the hello. A peer that sends a valid
 * hello (any self-signed contract will do: no key release has authenticated it yet), receives the evidence and then
 * trickles its key release one byte per read, each within the idle timeout, holds its connection (and a connection
 * slot, and an unauthenticated session) for as long as it likes. With the per-source and total connection limits, a
 * few such peers stop the enclave serving anyone.
 *
 * <p>Expected: the whole handshake, from the first byte to a complete key release, is bounded by a deadline (as the
 * hello is), so a trickled key release is cut like a trickled hello. The JUnit timeout only stops a hung test.
 */
class KeyReleaseSlowLorisAttackTest {
    @TempDir
    Path tempDir;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void keyReleaseTrickledPastTheHandshakeDeadlineIsCut() throws Exception {
        EnclaveConfig.ServiceLimits d = EnclaveConfig.ServiceLimits.defaults();
        // handshake deadline 2 s; idle timeout 4 s (a byte every 0.5 s stays under it)
        EnclaveConfig.ServiceLimits limits = new EnclaveConfig.ServiceLimits(Duration.ofSeconds(2), Duration.ofSeconds(4),
                d.maxConnections(), d.maxConnectionsPerSource(), d.maxOpenSessions(), d.maxTombstones());
        byte[] model = Ceremony.digitsModel(3);
        try (Ceremony c = new Ceremony(EnclaveConfig.simDefaults(tempDir.resolve("enclave")).withPartyTimeout(Duration.ofSeconds(20))
                .withBatchSize(64).withLimits(limits))) {
            byte[] nonce = new byte[32];
            new SecureRandom().nextBytes(nonce);
            Messages.Hello hello = new Messages.Hello(Role.MODEL_PROVIDER, Ceremony.signed(c.contract(model, OutputPolicy.labels(),
                    c.policy())), nonce);
            try (Socket s = new Socket("127.0.0.1", c.enclave.port())) {
                FrameChannel ch = new FrameChannel(s);
                ch.send(hello);
                ch.receive(Messages.EvidenceOffer.class);
                trickleKeyRelease(s);
            }
        }
    }

    private static void trickleKeyRelease(Socket s) throws Exception {
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        byte[] header = {1, 0, 0, 0, 100};   // a message frame of 100 bytes: the key release, sent a byte at a time
        boolean cut = false;
        // 40 bytes at 0.5 s: 20 s, ten times the handshake deadline
        for (int i = 0; i < 40 && !cut; i++) {
            try {
                out.write(i < header.length ? header[i] : '{');
                out.flush();
                Thread.sleep(500);
                cut = probeClosed(s, in);
            } catch (SocketException e) {
                cut = true;
            }
        }
        assertThat(cut).as("the enclave closed the connection trickling its key release").isTrue();
    }

    private static boolean probeClosed(Socket s, InputStream in) throws Exception {
        s.setSoTimeout(10);
        try {
            return in.read() < 0;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        }
    }
}
