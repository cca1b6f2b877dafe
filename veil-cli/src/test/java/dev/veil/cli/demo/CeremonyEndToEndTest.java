package dev.veil.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.receipt.ReceiptVerifier;
import dev.veil.protocol.receipt.ResultCommitments;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.Npy;
import dev.veil.tensor.NumericCsv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The whole ceremony over real loopback sockets, checked against plaintext ONNX Runtime. */
class CeremonyEndToEndTest {
    static Ceremony ceremony;
    @org.junit.jupiter.api.io.TempDir
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
    void digitsLabelsEqualPlaintextOnnxRuntimeAndReceiptsVerify() throws Exception {
        byte[] model = Ceremony.digitsModel(1);
        DigitsData eval = Ceremony.evaluationData();
        byte[] data = eval.featuresCsv();
        SignedContract contract = Ceremony.signed(ceremony.contract(model, OutputPolicy.labels(), ceremony.policy()));

        LocalCeremony.Run run = ceremony.run(contract, model, data);
        assertThat(run.dpError()).isNull();
        assertThat(run.mpError()).isNull();

        long[] labels = NumericCsv.readLabels(run.dp().result().output());
        float[] plain = PlaintextOrt.run(model, NumericCsv.read(data), 64, 0);
        assertThat(labels).hasSize(eval.size());
        for (int i = 0; i < labels.length; i++) {
            assertThat((float) labels[i]).as("row %d", i).isEqualTo(plain[i]);
        }
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            correct += labels[i] == eval.labels()[i] ? 1 : 0;
        }
        assertThat(correct / (double) labels.length).isGreaterThan(0.9);

        ContractVerifier.Verified v = ContractVerifier.verify(contract, Instant.now());
        var receipt = ReceiptVerifier.verifyResult(run.dp().result().signedReceipt(), v);
        byte[] salt = run.dp().result().commitmentSalt();
        assertThat(receipt.inputCommitment()).isEqualTo(ResultCommitments.input(salt, Digests.sha256(data)));
        assertThat(receipt.modelSha256()).isEqualTo(Digests.hex(Digests.sha256(model)));
        assertThat(receipt.outputCommitment()).isEqualTo(ResultCommitments.output(salt, run.dp().result().output()));
        var discard = ReceiptVerifier.verifyDiscard(run.mp().discard().signed(), v);
        assertThat(discard.released()).contains("onnx runtime session closed", "asset keys zeroed");
    }

    @Test
    void npyScoresOfARealCnnEqualPlaintextOnnxRuntime() throws Exception {
        byte[] model = Files.readAllBytes(Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx"));
        float[] pixels = new float[5 * 3 * 48 * 192];
        Random r = new Random(3);
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = r.nextFloat() * 2 - 1;
        }
        FloatTensor input = new FloatTensor(new long[] {5, 3, 48, 192}, pixels);
        SignedContract contract = Ceremony.signed(ceremony.contract(model, OutputPolicy.scores(), ceremony.policy()));

        LocalCeremony.Run run = ceremony.run(contract, model, Npy.writeFloat32(input));
        assertThat(run.dpError()).isNull();

        FloatTensor scores = Npy.read(run.dp().result().output());
        assertThat(scores.shape()).containsExactly(5, 2);
        assertThat(scores.values()).containsExactly(PlaintextOrt.run(model, input, 64, 0));
    }

    @Test
    void topKReturnsTheKBestClassesPerRow() throws Exception {
        byte[] model = Ceremony.digitsModel(4);
        byte[] data = Ceremony.evaluationData().featuresCsv();
        SignedContract contract = Ceremony.signed(ceremony.contract(model, OutputPolicy.topK(3), ceremony.policy()));
        LocalCeremony.Run run = ceremony.run(contract, model, data);
        assertThat(run.dpError()).isNull();
        String[] lines = new String(run.dp().result().output()).split("\n");
        assertThat(lines).hasSize(Ceremony.evaluationData().size());
        assertThat(lines[0].split(",")).hasSize(3).allMatch(cell -> cell.matches("\\d:[0-9.E-]+"));
    }
}
