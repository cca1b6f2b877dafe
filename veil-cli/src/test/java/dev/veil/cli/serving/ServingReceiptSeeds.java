package dev.veil.cli.serving;

import dev.veil.protocol.json.Json;
import dev.veil.provider.serving.ServingClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Writes the serving inference receipt's fuzz seeds (veil-protocol's {@code ServingReceiptFuzzTest}): real receipts of
 * a sim serving enclave on the real OCR model, as {@code veil infer --receipt-out} writes them, three answers in one log
 * (two data providers), with the serving contract they verify against and the instant they are checked at. Run with
 * the veil-cli test classpath: {@code java -cp … dev.veil.cli.serving.ServingReceiptSeeds veil-protocol/src/test/resources}.
 * Rerun after a change to the inference receipt, the log or the serving contract.
 */
final class ServingReceiptSeeds {
    private ServingReceiptSeeds() {
    }

    public static void main(String[] args) throws Exception {
        Path resources = Path.of(args[0]).resolve("dev/veil/protocol/servinghttp");
        Path session = Files.createDirectories(resources.resolve("receipt-fuzz-session"));
        Path inputs = Files.createDirectories(resources.resolve("ServingReceiptFuzzTestInputs").resolve("inferenceReceiptThenVerify"));
        Path work = Files.createTempDirectory("veil-receipt-seeds");
        try (ServingFixture f = new ServingFixture(work)) {
            f.provision(f.client());
            ServingClient dp = f.client();
            ServingClient dp2 = f.client();
            for (int i = 0; i < 3; i++) {
                ServingClient.Inference a = (i == 1 ? dp2 : dp).infer(i == 1 ? ServingFixture.DP2 : ServingFixture.DP,
                        ServingFixture.crops(i + 1, i));
                Files.write(inputs.resolve("receipt-" + (i + 1) + ".json"), Json.canonical(a.receipt()));
            }
            Files.write(session.resolve("contract.json"), Json.canonical(f.signed));
            Files.writeString(session.resolve("checked-at"), Instant.now().plusSeconds(5) + "\n");
        }
        System.exit(0);   // the enclave's ONNX Runtime threads
    }
}
