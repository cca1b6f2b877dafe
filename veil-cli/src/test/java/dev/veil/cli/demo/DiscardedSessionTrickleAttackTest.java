package dev.veil.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.enclave.EnclaveConfig;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.provider.ProviderFlow;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.Sealer;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A connection outlives its session (issue 7 item 5, connection limits that keep honest parties served). The host
 * trickles the model provider's authenticated model upload (one byte every half second, each read within the idle
 * timeout). The data provider never comes, so the party timeout discards the session, but nothing ends the
 * connection that served it: the enclave keeps reading the trickled upload for a session that no longer exists, and
 * the connection keeps its slot. Any peer can do this with a contract of its own (two identities it made), so a few
 * sources hold every connection slot for as long as they trickle.
 *
 * <p>Expected: when a session is discarded, the connections serving it are closed (or the upload has a deadline of
 * its own), so the slot comes back. Observed through the per-source limit of 2: once the trickled connection is
 * released, two new connections from the same source are both served. The JUnit timeout only stops a hung test.
 */
class DiscardedSessionTrickleAttackTest {
    @TempDir
    Path tempDir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void trickledUploadOfADiscardedSessionDoesNotKeepItsConnectionSlot() throws Exception {
        EnclaveConfig.ServiceLimits d = EnclaveConfig.ServiceLimits.defaults();
        EnclaveConfig.ServiceLimits limits = new EnclaveConfig.ServiceLimits(Duration.ofSeconds(5), Duration.ofSeconds(2),
                d.maxConnections(), 2, d.maxOpenSessions(), d.maxTombstones());
        byte[] model = Ceremony.digitsModel(31);
        try (Ceremony c = new Ceremony(EnclaveConfig.simDefaults(tempDir.resolve("enclave")).withPartyTimeout(Duration.ofSeconds(2))
                .withBatchSize(64).withLimits(limits));
             StallingRelay relay = new StallingRelay(c.enclave.port()); AssetKey mk = AssetKey.generate()) {
            SignedContract contract = Ceremony.signed(c.contract(model, OutputPolicy.labels(), c.policy()));
            byte[] sealedModel = new Sealer().sealBytes(model, mk, ContentType.MODEL);
            Thread mp = new Thread(() -> {
                try {
                    ProviderFlow.run(Ceremony.MP, Role.MODEL_PROVIDER, contract, "127.0.0.1", relay.port(), sealedModel, mk,
                            dev.veil.attest.VerificationOptions.now(), ProviderFlow.StepListener.NONE);
                } catch (Exception ignored) {
                    // the session is discarded: the model provider is told so
                }
            });
            mp.setDaemon(true);
            mp.start();
            Thread.sleep(10_000);   // five party timeouts and five idle timeouts after the key release

            try (Socket first = new Socket("127.0.0.1", c.enclave.port()); Socket second = new Socket("127.0.0.1", c.enclave.port())) {
                assertThat(servedOrClosed(second)).as("a second new connection from this source, the trickled one's session "
                        + "long discarded").isEqualTo("served");
            }
        }
    }

    /** "closed" if the enclave closed the connection at once (over a limit), "served" if it waits for a hello. */
    private static String servedOrClosed(Socket s) throws Exception {
        s.setSoTimeout(1500);
        InputStream in = s.getInputStream();
        try {
            return in.read() < 0 ? "closed" : "answered";
        } catch (SocketTimeoutException e) {
            return "served";
        }
    }
}
