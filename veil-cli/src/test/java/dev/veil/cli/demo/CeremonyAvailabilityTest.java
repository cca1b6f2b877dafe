package dev.veil.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.VerificationOptions;
import dev.veil.enclave.EnclaveConfig;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionLimits;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.wire.FrameChannel;
import dev.veil.protocol.wire.Messages;
import dev.veil.provider.AssetCheck;
import dev.veil.provider.ProviderSession;
import dev.veil.provider.SealedAsset;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.Sealer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Denial of service by peers and hostile models: idle and trickling connections, endless models, a party timeout that
 * fires mid-run, unauthenticated hellos, self-made contracts and oversized datasets. The JUnit timeouts only stop a
 * test that would otherwise hang when a defence is missing; nothing here measures speed.
 */
class CeremonyAvailabilityTest {
    @TempDir
    Path tempDir;

    private Ceremony ceremony(EnclaveConfig.ServiceLimits limits, Duration partyTimeout) throws Exception {
        return new Ceremony(EnclaveConfig.simDefaults(tempDir.resolve("enclave")).withPartyTimeout(partyTimeout)
                .withBatchSize(64).withLimits(limits));
    }

    private static EnclaveConfig.ServiceLimits limits(Duration handshake, int perSource, int openSessions) {
        EnclaveConfig.ServiceLimits d = EnclaveConfig.ServiceLimits.defaults();
        return new EnclaveConfig.ServiceLimits(handshake, d.idleTimeout(), d.maxConnections(), perSource, openSessions, d.maxTombstones());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)   // without the fix the honest parties wait for 16 hogs' 80 s read timeouts
    void idleAndTricklingConnectionsDoNotStopAnHonestCeremony() throws Exception {
        try (Ceremony c = ceremony(EnclaveConfig.ServiceLimits.defaults(), Duration.ofSeconds(20))) {
            List<Socket> hogs = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) {
                    Socket s = new Socket("127.0.0.1", c.enclave.port());
                    if (i % 2 == 0) {
                        s.getOutputStream().write(1);   // a frame type, then nothing: a hello that never completes
                        s.getOutputStream().flush();
                    }
                    hogs.add(s);
                }
                byte[] model = Ceremony.digitsModel(11);
                LocalCeremony.Run run = c.run(Ceremony.signed(c.contract(model, OutputPolicy.labels(), c.policy())), model,
                        Ceremony.evaluationData().featuresCsv());
                run.requireSuccess();
            } finally {
                for (Socket s : hogs) {
                    s.close();
                }
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void helloTrickledPastTheHandshakeDeadlineIsCut() throws Exception {
        try (Ceremony c = ceremony(limits(Duration.ofSeconds(1), 32, 64), Duration.ofSeconds(20));
             Socket s = new Socket("127.0.0.1", c.enclave.port())) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            byte[] header = {1, 0, 0, 0, 100};   // a message frame of 100 bytes, sent a byte at a time
            boolean cut = false;
            for (int i = 0; i < 200 && !cut; i++) {
                try {
                    out.write(i < header.length ? header[i] : '{');
                    out.flush();
                    Thread.sleep(250);
                    cut = s.getInputStream().available() == 0 && probeClosed(s, in);
                } catch (SocketException e) {
                    cut = true;
                }
            }
            assertThat(cut).as("the enclave closed the trickling connection").isTrue();
        }
    }

    private static boolean probeClosed(Socket s, InputStream in) throws Exception {
        s.setSoTimeout(10);
        try {
            return in.read() < 0;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void connectionsOverThePerSourceLimitAreClosedAtOnce() throws Exception {
        try (Ceremony c = ceremony(limits(Duration.ofSeconds(30), 3, 64), Duration.ofSeconds(20))) {
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    held.add(new Socket("127.0.0.1", c.enclave.port()));
                }
                try (Socket over = new Socket("127.0.0.1", c.enclave.port())) {
                    assertThat(over.getInputStream().read()).as("closed without a word").isEqualTo(-1);
                }
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void endlessLoopModelIsTerminatedAtTheContractTimeLimitAndOnlyThenReceipted() throws Exception {
        try (Ceremony c = ceremony(EnclaveConfig.ServiceLimits.defaults(), Duration.ofSeconds(20))) {
            byte[] model = HostileOnnx.endlessLoop();
            SignedContract contract = Ceremony.signed(c.contract(model, OutputPolicy.scores(), c.policy(),
                    SessionLimits.defaults().withMaxInferenceSeconds(2)));
            LocalCeremony.Run run = c.run(contract, model, "1,2\n3,4\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(run.dpError()).hasMessageContaining("timeout");
            // The model ran on the data: the model provider is told "discarded", not how it went (the data provider is).
            assertThat(run.mp().discard().receipt().outcome()).isEqualTo("discarded");
            assertThat(run.mp().discard().receipt().released()).contains("onnx runtime session closed");
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void partyTimeoutNeverStopsARunningSession() throws Exception {
        try (Ceremony c = ceremony(EnclaveConfig.ServiceLimits.defaults(), Duration.ofSeconds(3))) {
            byte[] model = HostileOnnx.endlessLoop();
            SignedContract contract = Ceremony.signed(c.contract(model, OutputPolicy.scores(), c.policy(),
                    SessionLimits.defaults().withMaxInferenceSeconds(8)));
            LocalCeremony.Run run = c.run(contract, model, "1,2\n".getBytes(StandardCharsets.US_ASCII));
            // The run outlived the party timeout; only the contract's own time limit ended it.
            // The model ran on the data: the model provider is told "discarded", not how it went (the data provider is).
            assertThat(run.mp().discard().receipt().outcome()).isEqualTo("discarded");
            assertThat(run.dpError()).hasMessageContaining("timeout").hasMessageNotContaining("party_timeout");
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void unauthenticatedHelloDoesNotBurnTheContract() throws Exception {
        try (Ceremony c = ceremony(EnclaveConfig.ServiceLimits.defaults(), Duration.ofSeconds(1))) {
            byte[] model = Ceremony.digitsModel(12);
            SignedContract contract = Ceremony.signed(c.contract(model, OutputPolicy.labels(), c.policy()));
            try (FrameChannel ch = new FrameChannel(new Socket("127.0.0.1", c.enclave.port()))) {
                ch.send(new Messages.Hello(Role.DATA_PROVIDER, contract, nonce()));
                ch.receive(Messages.EvidenceOffer.class);
            }
            Thread.sleep(2500);   // past the party timeout: the session the hello opened is discarded
            c.run(contract, model, Ceremony.evaluationData().featuresCsv()).requireSuccess();
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void openSessionsAreBoundedWithAClearRefusal() throws Exception {
        try (Ceremony c = ceremony(limits(Duration.ofSeconds(30), 32, 2), Duration.ofSeconds(20))) {
            byte[] model = Ceremony.digitsModel(13);
            // A session holds a slot from its first valid key release (a hello alone proves nothing; see
            // RuntimeAttackTest.selfMadeContractsFromClosedConnectionsLockHonestPartiesOut).
            List<ProviderSession> open = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    ProviderSession s = ProviderSession.connect(Ceremony.MP, Role.MODEL_PROVIDER,
                            Ceremony.signed(c.contract(model, OutputPolicy.labels(), c.policy())), "127.0.0.1", c.enclave.port());
                    open.add(s);
                    s.attest(VerificationOptions.now());
                    try (AssetKey key = AssetKey.generate()) {
                        s.releaseKey(key);
                    }
                }
                try (FrameChannel third = new FrameChannel(new Socket("127.0.0.1", c.enclave.port()))) {
                    third.send(new Messages.Hello(Role.MODEL_PROVIDER, Ceremony.signed(c.contract(model, OutputPolicy.labels(), c.policy())), nonce()));
                    String reply;
                    try {
                        third.receive();
                        reply = "accepted";
                    } catch (ProtocolException e) {
                        reply = e.getMessage();
                    }
                    assertThat(reply).contains("session_unavailable").contains("2 open sessions");
                }
            } finally {
                for (ProviderSession s : open) {
                    s.close();
                }
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void datasetOverTheContractsRowLimitFailsAsLimitExceeded() throws Exception {
        try (Ceremony c = ceremony(EnclaveConfig.ServiceLimits.defaults(), Duration.ofSeconds(20))) {
            byte[] model = Ceremony.digitsModel(14);
            SignedContract contract = Ceremony.signed(c.contract(model, OutputPolicy.labels(), c.policy(),
                    SessionLimits.defaults().withMaxRows(100)));
            LocalCeremony.Run run = c.run(contract, model, Ceremony.evaluationData().featuresCsv());
            assertThat(run.dpError()).hasMessageContaining("limit_exceeded").hasMessageContaining("limits.max_rows = 100");
            // Found while streaming, after the model had the first batches: the model provider is told only "discarded".
            assertThat(run.mp().discard().receipt().outcome()).isEqualTo("discarded");
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void datasetOtherThanThePinnedOneIsRefusedAndTheReceiptListsOnlyWhatWasDone() throws Exception {
        try (Ceremony c = ceremony(EnclaveConfig.ServiceLimits.defaults(), Duration.ofSeconds(20))) {
            byte[] model = Ceremony.digitsModel(15);
            byte[] pinned = Ceremony.evaluationData().featuresCsv();
            SignedContract contract = Ceremony.signed(c.contract(model, OutputPolicy.labels(), c.policy(),
                    SessionLimits.defaults().withDatasetSha256(Digests.hex(Digests.sha256(pinned)))));
            byte[] other = ("1,".repeat(63) + "1\n").getBytes(StandardCharsets.US_ASCII);
            try (AssetKey dk = AssetKey.generate()) {
                assertThatThrownBy(() -> AssetCheck.requireContractsAsset(contract.contract(), Role.DATA_PROVIDER,
                        SealedAsset.of(new Sealer().sealBytes(other, dk, ContentType.DATASET)), dk))
                        .as("refused on the data provider's machine").hasMessageContaining("but the contract names");
            }
            LocalCeremony.Run run = c.runUnchecked(contract, model, other);
            assertThat(run.dpError()).hasMessageContaining("dataset_invalid").hasMessageContaining("pins limits.dataset_sha256");
            assertThat(run.mp().discard().receipt().outcome()).isEqualTo("failed: dataset_invalid");
            assertThat(run.mp().discard().receipt().released()).doesNotContain("onnx runtime session closed",
                    "model plaintext buffer zeroed", "dataset plaintext buffer zeroed").contains("asset keys zeroed");
        }
    }

    private static byte[] nonce() {
        byte[] n = new byte[32];
        new SecureRandom().nextBytes(n);
        return n;
    }
}
