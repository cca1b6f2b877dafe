package dev.veil.cli;

import dev.veil.attest.VerificationOptions;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.json.Json;
import dev.veil.provider.ProviderFlow;
import dev.veil.seal.AssetKey;
import dev.veil.seal.io.AtomicOutput;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "join", mixinStandardHelpOptions = true,
        description = {"Take part in a session as a provider: attest the enclave against the contract, release your key",
                "only to it, upload your sealed asset, then receive the results (data provider) or the discard receipt",
                "(model provider). Both receipts are verified before anything is written."})
final class JoinCommand implements Callable<Integer> {
    @Option(names = "--role", required = true, description = "model_provider or data_provider")
    String role;
    @Option(names = "--enclave", required = true, description = "host:port of 'veil enclave run'")
    String enclave;
    @Option(names = "--contract", required = true, description = "the contract signed by both providers")
    Path contract;
    @Option(names = "--identity", required = true, description = "your secret identity file (.key)")
    Path identity;
    @Option(names = "--sealed", required = true, description = "your sealed model or dataset")
    Path sealed;
    @Option(names = "--key", required = true, description = "its key file")
    Path key;
    @Option(names = "--out", description = "data provider: where to write the decrypted output")
    Path out;
    @Option(names = "--receipt-out", description = "where to write the verified receipt (JSON)")
    Path receiptOut;

    @Override
    public Integer call() throws Exception {
        Role r = ContractCommand.role(role);
        if (r == Role.DATA_PROVIDER && out == null) {
            throw new CliFailure("the data provider needs --out for the decrypted results");
        }
        int colon = enclave.lastIndexOf(':');
        if (colon < 1) {
            throw new CliFailure("--enclave must be host:port");
        }
        int port;
        try {
            port = Integer.parseInt(enclave.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new CliFailure("--enclave port '" + enclave.substring(colon + 1) + "' is not a number");
        }
        SignedContract sc = SignedContract.read(contract);
        try (Identity id = IdentityFiles.readSecret(identity);
             AssetKey k = AssetKey.fromKeyFileText(Files.readString(key, StandardCharsets.US_ASCII))) {
            ProviderFlow.Outcome o = ProviderFlow.run(id, r, sc, enclave.substring(0, colon), port, Files.readAllBytes(sealed), k,
                    VerificationOptions.now(), (who, step, nanos, detail) ->
                            System.err.printf("[%s] %-16s %7.1f ms  %s%n", who, step, nanos / 1e6, detail));
            if (o.result() != null) {
                AtomicOutput.write(out, o.result().output(), false);
                if (receiptOut != null) {
                    AtomicOutput.write(receiptOut, Json.pretty(o.result().signedReceipt()).getBytes(StandardCharsets.UTF_8), false);
                }
                System.out.println(JsonOut.line(JsonOut.fields("output", out.toString(), "rows", o.result().receipt().rows(),
                        "output_commitment", o.result().receipt().outputCommitment(),
                        "commitment_salt", java.util.HexFormat.of().formatHex(o.result().commitmentSalt()), "receipt_verified", true)));
            } else {
                if (receiptOut != null) {
                    AtomicOutput.write(receiptOut, Json.pretty(o.discard().signed()).getBytes(StandardCharsets.UTF_8), false);
                }
                System.out.println(JsonOut.line(JsonOut.fields("discarded", true, "outcome", o.discard().receipt().outcome(),
                        "released", o.discard().receipt().released(), "receipt_verified", true)));
                if (!o.discard().receipt().completed()) {
                    throw new CliFailure("session ended without a result (" + o.discard().receipt().outcome()
                            + "); the enclave discarded the model and signed a receipt");
                }
            }
        }
        return ExitCodes.OK;
    }
}
