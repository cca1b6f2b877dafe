package dev.veil.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.enclave.inference.ModelRunner;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.wire.FrameChannel;
import dev.veil.protocol.wire.Messages;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nothing derived from the data provider's data reaches the model provider, the enclave's log or the host's wire:
 * hostile models and inputs try to push cell values into error messages, and a relay tries to guess the output.
 */
class DataLeakTest {
    static Ceremony ceremony;
    @TempDir
    static Path tempDir;

    @BeforeAll
    static void start() throws Exception {
        ceremony = new Ceremony(tempDir.resolve("enclave"));
    }

    @AfterAll
    static void stop() throws Exception {
        ceremony.close();
    }

    @Test
    void reshapeDrivenByInputValuesPutsNoRowValueInTheReceiptTheLogOrOnTheWire() throws Exception {
        byte[] model = HostileOnnx.reshapeByInputValues();
        byte[] data = "987654,4321\n".getBytes(StandardCharsets.US_ASCII);
        SignedContract contract = Ceremony.signed(ceremony.contract(model, OutputPolicy.scores(), ceremony.policy()));
        LocalCeremony.Run run;
        String log;
        byte[] wire;
        try (LogCapture capture = new LogCapture(); RecordingRelay relay = new RecordingRelay(ceremony.enclave.port())) {
            run = ceremony.runVia(relay.port(), contract, model, data);
            log = capture.text();
            wire = relay.seen();
        }
        String receipt = new String(run.mp().discard().signed().payload(), StandardCharsets.UTF_8);
        for (String value : new String[] {"987654", "4321"}) {
            assertThat(NumberLeak.in(receipt, value)).as("the model provider's signed receipt holds %s: %s", value, receipt).isFalse();
            assertThat(NumberLeak.in(log, value)).as("the enclave's log holds %s: %s", value, log).isFalse();
            assertThat(NumberLeak.in(wire, value)).as("the wire holds %s", value).isFalse();
        }
        // The model ran on the data: the model provider is told "discarded", not how it went.
        assertThat(run.mp().discard().receipt().outcome()).isEqualTo("discarded");
        // The data provider reads Veil's own sentence, sealed to it, never ONNX Runtime's text (which quotes the model's
        // constants as well as the values): see RuntimeAttackTest.dataProviderReadsTheModelsConstantsInOnnxRuntimeErrorText.
        assertThat(run.dpError()).hasMessageContaining("inference_failed").hasMessageContaining(ModelRunner.MODEL_FAILED_ON_INPUT)
                .hasMessageNotContaining("987654");
    }

    @Test
    void csvCellEchoedByTheParserReachesOnlyTheDataProviderSealed() throws Exception {
        byte[] model = Ceremony.digitsModel(7);
        String marker = "leak" + 7_316_902;
        byte[] data = ("1,".repeat(63) + "1\n" + marker + ",1".repeat(63) + "\n").getBytes(StandardCharsets.US_ASCII);
        SignedContract contract = Ceremony.signed(ceremony.contract(model, OutputPolicy.labels(), ceremony.policy()));
        LocalCeremony.Run run;
        String log;
        byte[] wire;
        try (LogCapture capture = new LogCapture(); RecordingRelay relay = new RecordingRelay(ceremony.enclave.port())) {
            run = ceremony.runVia(relay.port(), contract, model, data);
            log = capture.text();
            wire = relay.seen();
        }
        assertThat(new String(run.mp().discard().signed().payload(), StandardCharsets.UTF_8)).as("the model provider's signed receipt")
                .doesNotContain(marker);
        assertThat(log).as("the enclave's log").doesNotContain(marker);
        assertThat(NoPlaintextOnDiskTest.indexOf(wire, marker.getBytes(StandardCharsets.US_ASCII))).as("on the wire").isNegative();
        // The bad row is found while streaming, once the model may have had rows: the model provider hears "discarded".
        assertThat(run.mp().discard().receipt().outcome()).isEqualTo("discarded");
        assertThat(run.dpError()).hasMessageContaining("dataset_invalid").hasMessageContaining(marker);
    }

    @Test
    void relayCannotBruteForceTheLabelsFromTheResultReceipt() throws Exception {
        byte[] model = Ceremony.digitsModel(5);
        DigitsData eval = Ceremony.evaluationData();
        String[] rows = new String(eval.featuresCsv(), StandardCharsets.US_ASCII).split("\n");
        byte[] data = (rows[0] + "\n" + rows[1] + "\n" + rows[2] + "\n").getBytes(StandardCharsets.US_ASCII);
        SignedContract contract = Ceremony.signed(ceremony.contract(model, OutputPolicy.labels(), ceremony.policy()));
        LocalCeremony.Run run = ceremony.run(contract, model, data);
        assertThat(run.dpError()).isNull();
        // The result receipt travels in the clear in the 'result' message: this is what a relay has.
        String receipt = new String(run.dp().result().signedReceipt().payload(), StandardCharsets.US_ASCII);
        int matches = 0;
        for (int a = 0; a < 10; a++) {
            for (int b = 0; b < 10; b++) {
                for (int c = 0; c < 10; c++) {
                    byte[] guess = (a + "\n" + b + "\n" + c + "\n").getBytes(StandardCharsets.US_ASCII);
                    matches += receipt.contains(Digests.hex(Digests.sha256(guess))) ? 1 : 0;
                }
            }
        }
        assertThat(matches).as("guesses confirmed by the receipt").isZero();
        assertThat(receipt).doesNotContain(Digests.hex(Digests.sha256(run.dp().result().output())))
                .doesNotContain(Digests.hex(Digests.sha256(data)));
    }

    @Test
    void peerTextCannotForgeLogLines() throws Exception {
        // Identity names cannot hold a line break any more (IdentityNames); a signature's role key still carries peer text.
        Identity forger = Identity.generate("forger", KeyWrapSuite.X25519);
        var c = dev.veil.protocol.contract.SessionContract.draft(
                TestModelTerms.unused(), Ceremony.MP.publicIdentity(), forger.publicIdentity(),
                ceremony.policy(), KeyWrapSuite.X25519, OutputPolicy.labels(), java.time.Instant.now().plusSeconds(3600));
        SignedContract forged = new SignedContract(c, java.util.Map.of(
                Role.MODEL_PROVIDER.id(), Ceremony.MP.sign(c.signingMessage(Role.MODEL_PROVIDER)),
                Role.DATA_PROVIDER.id(), forger.sign(c.signingMessage(Role.DATA_PROVIDER)),
                "x\nveil FORGED-LINE enclave compromised", new byte[64]));
        String reply;
        String log;
        try (LogCapture capture = new LogCapture();
             FrameChannel ch = new FrameChannel(new Socket("127.0.0.1", ceremony.enclave.port()))) {
            byte[] nonce = new byte[32];
            new SecureRandom().nextBytes(nonce);
            ch.send(new Messages.Hello(Role.MODEL_PROVIDER, forged, nonce));
            try {
                ch.receive();
                reply = "accepted";
            } catch (dev.veil.protocol.json.ProtocolException e) {
                reply = e.getMessage();
            }
            Thread.sleep(200);   // the enclave logs after replying
            log = capture.text();
        }
        assertThat(reply).contains("FORGED-LINE");   // the peer hears its own text back
        assertThat(log).contains("FORGED-LINE");
        assertThat(log.lines()).noneMatch(line -> line.startsWith("veil FORGED-LINE"));
    }
}
