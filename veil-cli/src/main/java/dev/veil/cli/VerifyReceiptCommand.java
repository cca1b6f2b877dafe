package dev.veil.cli;

import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.receipt.DiscardReceipt;
import dev.veil.protocol.receipt.ReceiptVerifier;
import dev.veil.protocol.receipt.ResultCommitments;
import dev.veil.protocol.receipt.ResultReceipt;
import dev.veil.protocol.receipt.SignedReceipt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "verify-receipt", mixinStandardHelpOptions = true,
        description = {"Check a result or discard receipt offline.",
                "Checks the enclave instance's signature, that its key was attested for this contract (evidence,",
                "reference values, binding), and optionally the output file's digest.",
                "Prints the receipt as JSON; exit 2 if anything fails."})
final class VerifyReceiptCommand implements Callable<Integer> {
    @Option(names = "--receipt", required = true)
    Path receipt;
    @Option(names = "--contract", required = true, description = "the signed contract the session ran under")
    Path contract;
    @Option(names = "--output", description = "the decrypted output; it must match the result receipt's output commitment (needs --salt)")
    Path output;
    @Option(names = "--salt", description = "the commitment salt (hex) that came sealed with the results; 'veil join' prints it")
    String salt;
    @Option(names = "--at", description = "check the enclave's evidence as of this ISO-8601 instant instead of now "
            + "(never the receipt's own issued_at, which its signer chooses)")
    String at;

    @Override
    public Integer call() throws Exception {
        Instant checkedAt = checkTime();
        byte[] bytes = Files.readAllBytes(receipt);
        SignedContract sc = SignedContract.read(contract);
        if (Json.mapper().readTree(bytes).has("partitions")) {
            return verifyBatch(Json.parse(bytes, dev.veil.protocol.batch.BatchReceiptFile.class, "batch receipt " + receipt.getFileName()),
                    sc, checkedAt);
        }
        SignedReceipt r = Json.parse(bytes, SignedReceipt.class, "receipt " + receipt.getFileName());
        // The contract may have expired since the session: check its signatures as of the receipt's issue time. That
        // time is the signer's word, so ReceiptVerifier holds it to the checking time and the contract's expiry, and
        // verifies the evidence as of the checking time.
        Instant issued = issuedAt(r);
        ContractVerifier.Verified v = ContractVerifier.verify(sc, issued);
        Map<String, Object> out;
        if (ResultReceipt.KIND.equals(r.kind())) {
            ResultReceipt p = ReceiptVerifier.verifyResult(r, v, checkedAt);
            if (output != null) {
                String commitment = ResultCommitments.output(commitmentSalt(), Files.readAllBytes(output));
                if (!ResultCommitments.matches(commitment, p.outputCommitment())) {
                    throw new CliFailure("output " + output + " has commitment " + commitment + " under this --salt but the receipt says "
                            + p.outputCommitment() + "; it is not the attested output (or the salt is not this session's)");
                }
            }
            out = JsonOut.fields("verified", true, "kind", r.kind(), "platform", r.platform(), "checked_at", checkedAt.toString(),
                    "receipt", p, "output_checked", output != null);
        } else {
            DiscardReceipt p = ReceiptVerifier.verifyDiscard(r, v, checkedAt);
            out = JsonOut.fields("verified", true, "kind", r.kind(), "platform", r.platform(), "checked_at", checkedAt.toString(),
                    "receipt", p);
        }
        if (r.platform() == dev.veil.attest.Platform.SIM) {
            System.err.println("veil: WARNING: this receipt comes from the INSECURE simulated TEE; it proves the ceremony ran, not that hardware protected it");
        }
        System.out.println(JsonOut.pretty(out));
        return ExitCodes.OK;
    }

    /**
     * A batch receipt ('veil batch'): the batch receipt and every partition receipt checked as any receipt, and the
     * Merkle root over the partitions; the outputs are checked against it by 'veil batch open'.
     */
    private Integer verifyBatch(dev.veil.protocol.batch.BatchReceiptFile file, SignedContract sc, Instant checkedAt) throws Exception {
        if (output != null) {
            throw new CliFailure("--output checks a single session's output; a batch's results are checked by 'veil batch open'");
        }
        ContractVerifier.Verified v = ContractVerifier.verify(sc, issuedAt(file.batch()));
        dev.veil.protocol.batch.BatchReceiptVerifier.Verified b = dev.veil.protocol.batch.BatchReceiptVerifier.verify(file, v, checkedAt);
        if (file.batch().platform() == dev.veil.attest.Platform.SIM) {
            System.err.println("veil: WARNING: this receipt comes from the INSECURE simulated TEE; it proves the batch ran, not that hardware protected it");
        }
        System.out.println(JsonOut.pretty(JsonOut.fields("verified", true, "kind", file.batch().kind(), "platform", file.batch().platform(),
                "checked_at", checkedAt.toString(), "receipt", b.batch(), "partitions", b.partitions())));
        return ExitCodes.OK;
    }

    private byte[] commitmentSalt() throws CliFailure {
        if (salt == null) {
            throw new CliFailure("--output needs --salt: the receipt commits to the output under a salt only the data provider has");
        }
        try {
            byte[] s = HexFormat.of().parseHex(salt.strip());
            if (s.length == ResultCommitments.SALT_LENGTH) {
                return s;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new CliFailure("--salt must be " + 2 * ResultCommitments.SALT_LENGTH + " hex digits");
    }

    private Instant checkTime() throws CliFailure {
        if (at == null) {
            return Instant.now();
        }
        try {
            return Instant.parse(at.strip());
        } catch (RuntimeException e) {
            throw new CliFailure("--at '" + at + "' is not an ISO-8601 instant such as 2026-06-01T00:00:00Z");
        }
    }

    private static Instant issuedAt(SignedReceipt r) throws CliFailure {
        try {
            return Instant.parse(Json.mapper().readTree(r.payload()).path("issued_at").asText());
        } catch (Exception e) {
            throw new CliFailure("receipt payload has no valid issued_at");
        }
    }
}
