package dev.veil.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.enclave.EnclaveConfig;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SessionLimits;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.protocol.results.FailureDetail;
import dev.veil.protocol.wire.FrameChannel;
import dev.veil.protocol.wire.Messages;
import dev.veil.provider.ProviderFlow;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.Sealer;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks from the runtime review (issue 7) that today's main does not stop. Each test states the behaviour the
 * issue asks for, and fails until it holds.
 */
class RuntimeAttackTest {
    @TempDir
    Path tempDir;

    private Ceremony ceremony() throws Exception {
        return new Ceremony(tempDir.resolve("enclave"));
    }

    /**
     * A hostile model makes the output's length a cell of the data provider's data. The enclave logs the output's row
     * count, and the result receipt, which travels unsealed in the 'result' message, carries it: the host reads the
     * cell value in both. (Session.deliver logs the row count at INFO; the CLI's simplelogger.properties sets WARN, so
     * here only the receipt assertion fails; an operator who raises the level sees the cell value in the log.)
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void dataDerivedOutputRowCountReachesTheLogAndTheUnsealedResultReceipt() throws Exception {
        try (Ceremony c = ceremony()) {
            byte[] model = RuntimeHostileOnnx.rowCountFromLargestCell();
            byte[] data = "73519,2\n".getBytes(StandardCharsets.US_ASCII);
            SignedContract contract = Ceremony.signed(c.contract(model, OutputPolicy.scores(), c.policy()));
            LocalCeremony.Run run;
            String log;
            try (LogCapture capture = new LogCapture()) {
                run = c.run(contract, model, data);
                log = capture.text();
            }
            run.requireSuccess();
            String unsealedReceipt = new String(run.dp().result().signedReceipt().payload(), StandardCharsets.UTF_8);
            assertThat(NumberLeak.in(log, "73519")).as("the enclave's log: %s", log).isFalse();
            assertThat(NumberLeak.in(unsealedReceipt, "73519")).as("the result receipt, sent in the clear: %s", unsealedReceipt).isFalse();
        }
    }

    /**
     * A hostile model chooses the session's outcome from the data (Reshape to the input's own values succeeds for
     * "1,2" and fails for "3,5"), and the model provider's signed discard receipt states the outcome: one bit of the
     * data provider's data per session (more with timeout and internal_error as further symbols), without any text.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void hostileModelSignalsADataBitToTheModelProviderThroughTheDiscardOutcome() throws Exception {
        try (Ceremony c = ceremony()) {
            byte[] model = HostileOnnx.reshapeByInputValues();
            LocalCeremony.Run fits = c.run(Ceremony.signed(c.contract(model, OutputPolicy.scores(), c.policy())), model,
                    "1,2\n".getBytes(StandardCharsets.US_ASCII));
            LocalCeremony.Run fails = c.run(Ceremony.signed(c.contract(model, OutputPolicy.scores(), c.policy())), model,
                    "3,5\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(fails.mp().discard().receipt().outcome())
                    .as("what the model provider learns must not depend on the data provider's cell values")
                    .isEqualTo(fits.mp().discard().receipt().outcome());
            assertThat(fails.mp().discard().receipt().released())
                    .as("nor may the list of what was released: it is signed to the model provider too")
                    .isEqualTo(fits.mp().discard().receipt().released());
        }
    }

    /**
     * With output kind top_k, scores are written as decimal text of varying length, and the sealed results are not
     * padded: the host reads the length of the results from the 'result' message (sealed_size) and learns about the
     * scores of two datasets with the same number of rows.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void sealedTopKResultsLengthOnTheWireDependsOnTheScores() throws Exception {
        try (Ceremony c = ceremony()) {
            byte[] model = Ceremony.digitsModel(21);
            String[] rows = new String(Ceremony.evaluationData().featuresCsv(), StandardCharsets.US_ASCII).split("\n");
            byte[] first = (String.join("\n", java.util.Arrays.copyOfRange(rows, 0, 4)) + "\n").getBytes(StandardCharsets.US_ASCII);
            byte[] second = (String.join("\n", java.util.Arrays.copyOfRange(rows, 4, 8)) + "\n").getBytes(StandardCharsets.US_ASCII);
            LocalCeremony.Run a = c.run(Ceremony.signed(c.contract(model, OutputPolicy.topK(3), c.policy())), model, first);
            LocalCeremony.Run b = c.run(Ceremony.signed(c.contract(model, OutputPolicy.topK(3), c.policy())), model, second);
            a.requireSuccess();
            b.requireSuccess();
            assertThat(a.dp().result().output()).isNotEqualTo(b.dp().result().output());
            assertThat(b.dp().result().sealedSize())
                    .as("sealed_size, in the clear, for two 4-row datasets")
                    .isEqualTo(a.dp().result().sealedSize());
        }
    }

    /**
     * Anyone can draft and sign a contract between two identities of their own for this enclave (its measurement is
     * public). Each such hello opens a session that counts against max_open_sessions until the party timeout, even
     * after the connection is closed and though no key was ever released: a few hellos lock honest parties out.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void selfMadeContractsFromClosedConnectionsLockHonestPartiesOut() throws Exception {
        EnclaveConfig.ServiceLimits d = EnclaveConfig.ServiceLimits.defaults();
        EnclaveConfig.ServiceLimits limits = new EnclaveConfig.ServiceLimits(d.handshakeTimeout(), d.idleTimeout(),
                d.maxConnections(), d.maxConnectionsPerSource(), 4, d.maxTombstones());
        try (Ceremony c = new Ceremony(EnclaveConfig.simDefaults(tempDir.resolve("enclave")).withPartyTimeout(Duration.ofSeconds(60))
                .withBatchSize(64).withLimits(limits))) {
            for (int i = 0; i < 4; i++) {
                Identity mp = Identity.generate("squatter-mp-" + i, KeyWrapSuite.X25519);
                Identity dp = Identity.generate("squatter-dp-" + i, KeyWrapSuite.X25519);
                SignedContract own = SignedContract.unsigned(SessionContract.draft(TestModelTerms.unused(),
                                mp.publicIdentity(), dp.publicIdentity(), c.policy(), KeyWrapSuite.X25519, OutputPolicy.labels(),
                                Instant.now().plusSeconds(3600), SessionLimits.defaults()))
                        .signedBy(Role.MODEL_PROVIDER, mp).signedBy(Role.DATA_PROVIDER, dp);
                try (FrameChannel ch = new FrameChannel(new Socket("127.0.0.1", c.enclave.port()))) {
                    ch.send(new Messages.Hello(Role.MODEL_PROVIDER, own, nonce()));
                    ch.receive(Messages.EvidenceOffer.class);
                }
            }
            byte[] model = Ceremony.digitsModel(22);
            c.run(Ceremony.signed(c.contract(model, OutputPolicy.labels(), c.policy())), model,
                    Ceremony.evaluationData().featuresCsv()).requireSuccess();
        }
    }

    /**
     * The host replaces the enclave's result with a failure of its own: the code travels in the clear and the detail is
     * sealed to the data provider's public key, which anyone can do. The data provider is told, as the enclave's word,
     * whatever the host wrote (here: an instruction to upload the dataset elsewhere).
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void hostForgesAFailureDetailThatTheDataProviderShowsAsTheEnclaves() throws Exception {
        try (Ceremony c = ceremony()) {
            byte[] model = Ceremony.digitsModel(23);
            SignedContract contract = Ceremony.signed(c.contract(model, OutputPolicy.labels(), c.policy()));
            String lure = "row 3 is malformed; upload the plaintext CSV to https://fix.example/upload to repair it";
            byte[] hash = ContractVerifier.verify(contract, Instant.now()).hash();
            Messages.Failure forged = new Messages.Failure(FailureCode.DATASET_INVALID, FailureCode.DATASET_INVALID.description(),
                    FailureDetail.seal(lure, Ceremony.DP.publicIdentity(), Role.DATA_PROVIDER, hash));
            LocalCeremony.Run run;
            try (ForgingRelay relay = new ForgingRelay(c.enclave.port(), forged)) {
                run = c.runVia(relay.port(), contract, model, Ceremony.evaluationData().featuresCsv());
            }
            assertThat(run.dpError()).as("the data provider's error").isNotNull();
            assertThat(run.dpError().getMessage()).as("unauthenticated text shown as the enclave's reason").doesNotContain(lure);
        }
    }

    /**
     * The contract travels in the clear in every hello, so the host (or anyone who saw it) can send a hello for it
     * first: the session and its party timer start then, unauthenticated. An honest model provider that releases its
     * key late in that window, and a data provider that follows well within the party timeout of it, find the session
     * discarded for party_timeout and the contract tombstoned (a key was released): the contract is burned.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void unauthenticatedHelloStartsThePartyTimerAndBurnsTheContractOfATimelyPair() throws Exception {
        try (Ceremony c = new Ceremony(EnclaveConfig.simDefaults(tempDir.resolve("enclave")).withPartyTimeout(Duration.ofSeconds(6))
                .withBatchSize(64))) {
            byte[] model = Ceremony.digitsModel(24);
            SignedContract contract = Ceremony.signed(c.contract(model, OutputPolicy.labels(), c.policy()));
            try (FrameChannel ch = new FrameChannel(new Socket("127.0.0.1", c.enclave.port()))) {
                ch.send(new Messages.Hello(Role.DATA_PROVIDER, contract, nonce()));
                ch.receive(Messages.EvidenceOffer.class);
            }
            Thread.sleep(4000);   // the honest model provider arrives 4 s after the squatter's hello
            // ... and the data provider 4 s after the model provider's upload: within 6 s of any authenticated party.
            ProviderFlow.StepListener dpComesLater = (role, step, nanos, detail) -> {
                if (role == Role.MODEL_PROVIDER && step.equals("upload")) {
                    try {
                        Thread.sleep(4000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
            LocalCeremony.Run run;
            try (AssetKey mk = AssetKey.generate(); AssetKey dk = AssetKey.generate()) {
                run = LocalCeremony.run("127.0.0.1", c.enclave.port(), contract, Ceremony.MP,
                        new Sealer().sealBytes(model, mk, ContentType.MODEL), mk, Ceremony.DP,
                        new Sealer().sealBytes(Ceremony.evaluationData().featuresCsv(), dk, ContentType.DATASET), dk, dpComesLater);
            }
            run.requireSuccess();
        }
    }

    /**
     * Once both keys are released the party timer no longer fires, and the idle timeout is per read: a host that
     * trickles the data provider's authenticated upload (a byte every half second here, against a 2 s idle timeout; a
     * byte every few minutes against the default 5 min) keeps the session open, both keys in memory, for as long as it
     * likes. PROTOCOL.md section 10 says a stalled upload is ended by the idle timeout; a trickled one never is, and the
     * model provider gets no discard receipt.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void hostTricklingAnAuthenticatedUploadKeepsTheSessionOpenPastEveryTimeout() throws Exception {
        EnclaveConfig.ServiceLimits d = EnclaveConfig.ServiceLimits.defaults();
        EnclaveConfig.ServiceLimits limits = new EnclaveConfig.ServiceLimits(d.handshakeTimeout(), Duration.ofSeconds(2),
                d.maxConnections(), d.maxConnectionsPerSource(), d.maxOpenSessions(), d.maxTombstones());
        try (Ceremony c = new Ceremony(EnclaveConfig.simDefaults(tempDir.resolve("enclave")).withPartyTimeout(Duration.ofSeconds(2))
                .withBatchSize(64).withLimits(limits))) {
            byte[] model = Ceremony.digitsModel(25);
            SignedContract contract = Ceremony.signed(c.contract(model, OutputPolicy.labels(), c.policy()));
            try (StallingRelay relay = new StallingRelay(c.enclave.port()); AssetKey mk = AssetKey.generate();
                 AssetKey dk = AssetKey.generate()) {
                byte[] sealedModel = new Sealer().sealBytes(model, mk, ContentType.MODEL);
                byte[] sealedData = new Sealer().sealBytes(Ceremony.evaluationData().featuresCsv(), dk, ContentType.DATASET);
                Thread mp = new Thread(() -> {
                    try {
                        ProviderFlow.run(Ceremony.MP, Role.MODEL_PROVIDER, contract, "127.0.0.1", c.enclave.port(), sealedModel, mk,
                                dev.veil.attest.VerificationOptions.now(), ProviderFlow.StepListener.NONE);
                    } catch (Exception ignored) {
                        // ends when the enclave closes
                    }
                });
                mp.setDaemon(true);
                mp.start();
                Thread.sleep(1000);
                Thread dp = new Thread(() -> {
                    try {
                        ProviderFlow.run(Ceremony.DP, Role.DATA_PROVIDER, contract, "127.0.0.1", relay.port(), sealedData, dk,
                                dev.veil.attest.VerificationOptions.now(), ProviderFlow.StepListener.NONE);
                    } catch (Exception ignored) {
                        // ends when the relay closes
                    }
                });
                dp.setDaemon(true);
                dp.start();
                Thread.sleep(8000);   // four party timeouts and four idle timeouts after both keys were released
                String reply;
                try (FrameChannel probe = new FrameChannel(new Socket("127.0.0.1", c.enclave.port()))) {
                    probe.send(new Messages.Hello(Role.DATA_PROVIDER, contract, nonce()));
                    try {
                        probe.receive();
                        reply = "the session is still open";
                    } catch (dev.veil.protocol.json.ProtocolException e) {
                        reply = e.getMessage();
                    }
                }
                assertThat(reply).as("a hello for the contract, well past the party and idle timeouts").contains("already used");
            }
        }
    }

    /**
     * The failure detail is sealed to the data provider but not padded: its length travels in the clear in the
     * 'failure' message. A hostile model whose error quotes the data (Reshape to the input's own values) makes that
     * length a function of the data provider's cells: here, how many digits they have.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void sealedFailureDetailLengthOnTheWireDependsOnTheData() throws Exception {
        try (Ceremony c = ceremony()) {
            byte[] model = HostileOnnx.reshapeByInputValues();
            int shortCells = sealedDetailLengthOnTheWire(c, model, "3,5\n");
            int longCells = sealedDetailLengthOnTheWire(c, model, "333333,555555\n");
            assertThat(longCells).as("length of the sealed detail the host sees, for two datasets of one row").isEqualTo(shortCells);
        }
    }

    private static int sealedDetailLengthOnTheWire(Ceremony c, byte[] model, String csv) throws Exception {
        SignedContract contract = Ceremony.signed(c.contract(model, OutputPolicy.scores(), c.policy()));
        byte[] wire;
        try (RecordingRelay relay = new RecordingRelay(c.enclave.port())) {
            LocalCeremony.Run run = c.runVia(relay.port(), contract, model, csv.getBytes(StandardCharsets.US_ASCII));
            assertThat(run.dpError()).hasMessageContaining("inference_failed");
            wire = relay.seen();
        }
        String text = new String(wire, StandardCharsets.ISO_8859_1);
        String key = "\"sealed_detail\":\"";
        int from = text.indexOf(key);
        assertThat(from).as("a failure with a sealed detail on the wire").isNotNegative();
        from += key.length();
        return text.indexOf('"', from) - from;
    }

    /**
     * The other direction: the model is the model provider's confidential asset, but ONNX Runtime's error text, sealed
     * to the data provider verbatim, quotes the model's constants. A data provider that sends a dataset the model
     * cannot take reads a confidential initializer (here the target shape 31337) in its failure detail.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void dataProviderReadsTheModelsConstantsInOnnxRuntimeErrorText() throws Exception {
        try (Ceremony c = ceremony()) {
            byte[] model = RuntimeHostileOnnx.reshapeToAModelConstant();
            LocalCeremony.Run run = c.run(Ceremony.signed(c.contract(model, OutputPolicy.scores(), c.policy())), model,
                    "1,2\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(run.dpError()).hasMessageContaining("inference_failed");
            assertThat(NumberLeak.in(run.dpError().getMessage(), "31337")).as("the data provider's failure detail: %s",
                    run.dpError().getMessage()).isFalse();
        }
    }

    private static byte[] nonce() {
        byte[] n = new byte[32];
        new SecureRandom().nextBytes(n);
        return n;
    }
}
