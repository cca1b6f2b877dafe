package dev.veil.cli;

import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.receipt.DiscardReceipt;
import dev.veil.protocol.receipt.ReceiptVerifier;
import dev.veil.protocol.receipt.ResultCommitments;
import dev.veil.protocol.receipt.ResultReceipt;
import dev.veil.protocol.receipt.SignedReceipt;
import dev.veil.protocol.servinghttp.InferenceReceipt;
import dev.veil.protocol.servinghttp.ServingDiscardReceipt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "verify-receipt", mixinStandardHelpOptions = true,
        description = {"Check a receipt offline: a batch result or discard receipt, or a serving inference or discard receipt.",
                "Checks the enclave instance's signature, that its key was attested for this contract (evidence,",
                "reference values, binding), and optionally the output file's digest. A serving inference receipt: its",
                "log leaf is in a tree head the attested instance signed, and commits to its inputs, outputs and requester;",
                "a serving discard receipt: its final log head is signed by the same instance. Batch receipts print",
                "as JSON; serving receipts print one line (JSON with --json). Exit 2 if anything fails."})
final class VerifyReceiptCommand implements Callable<Integer> {
    @Option(names = "--receipt", required = true, description = {"the receipt file: a batch receipt (_veil-batch-receipt.json), a",
            "discard receipt, or a serving inference or discard receipt"})
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
    @Option(names = "--data", description = "serving inference receipt: the request's inputs (.npz); must be the ones it names")
    Path data;
    @Option(names = "--json", description = "serving receipts: print the verified facts as JSON instead of one line")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Instant checkedAt = checkTime();
        byte[] file = Files.readAllBytes(UserPaths.input("--receipt", receipt));
        String what = "receipt " + receipt.getFileName();
        if (InferenceReceipt.KIND.equals(kindOf(file))) {
            refuseSalt();
            return print(ServingReceiptCheck.inference(file, what, contract, data, output, checkedAt), true);
        }
        if (isBatchReceipt(file)) {
            refuseSalt();
            if (data != null) {
                throw new CliFailure("--data is for a serving inference receipt; a batch's inputs are checked by 'veil batch open'");
            }
            return verifyBatch(Json.parse(file, dev.veil.protocol.batch.BatchReceiptFile.class, "batch " + what),
                    SignedContract.read(contract), checkedAt);
        }
        SignedReceipt r = Json.parse(file, SignedReceipt.class, what);
        if (ServingDiscardReceipt.KIND.equals(r.kind())) {
            refuseSalt();
            if (data != null || output != null) {
                throw new CliFailure("a serving discard receipt names no inputs or outputs; --data and --output are for an inference receipt");
            }
            return print(ServingReceiptCheck.discard(r, issuedAt(r), contract, checkedAt), r.platform() == dev.veil.attest.Platform.SIM);
        }
        if (data != null) {
            throw new CliFailure("--data is for a serving inference receipt; this is a '" + r.kind() + "'");
        }
        SignedContract sc = SignedContract.read(contract);
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

    private int print(ServingReceiptCheck.Verdict v, boolean simulated) {
        if (simulated) {
            System.err.println("veil: WARNING: this receipt comes from the INSECURE simulated TEE; it proves the protocol ran, not that hardware protected it");
        }
        System.out.println(json ? JsonOut.pretty(v.json()) : v.line());
        return ExitCodes.OK;
    }

    private void refuseSalt() throws CliFailure {
        if (salt != null) {
            throw new CliFailure("--salt is for a batch result receipt; a serving receipt carries its own salts");
        }
    }

    /** Whether a receipt file is a batch receipt ('veil batch': it lists its partitions), to choose its parser. */
    private static boolean isBatchReceipt(byte[] file) {
        try {
            return Json.mapper().readTree(file).has("partitions");
        } catch (java.io.IOException | RuntimeException e) {
            return false;   // the strict parse that follows says what is wrong
        }
    }

    /** The {@code kind} a receipt file names, to choose its parser; null if it names none. */
    private static String kindOf(byte[] file) {
        try {
            com.fasterxml.jackson.databind.JsonNode k = Json.mapper().readTree(file).path("kind");
            return k.isTextual() ? k.asText() : null;
        } catch (java.io.IOException | RuntimeException e) {
            return null;   // the strict parse that follows says what is wrong
        }
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
