package dev.veil.cli;

import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.receipt.SignedReceipt;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.serving.SignedServingContract;
import dev.veil.protocol.servinghttp.InferenceReceipt;
import dev.veil.protocol.servinghttp.ServingDiscardReceipt;
import dev.veil.protocol.servinghttp.ServingReceipts;
import dev.veil.protocol.translog.TreeHead;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * {@code veil verify-receipt} for the two serving receipts: a data provider's inference receipt and the serving
 * discard receipt. Each yields one line of verdict and the same facts as JSON; any failed check is a
 * {@link ProtocolException} that says which.
 */
final class ServingReceiptCheck {
    /** What was verified: the line for people and the fields for {@code --json}. */
    record Verdict(String line, Map<String, Object> json) {
    }

    private ServingReceiptCheck() {
    }

    /**
     * An inference receipt, on its own, and when given, that {@code inputs} and {@code outputs} are the files whose
     * digests it names.
     */
    static Verdict inference(byte[] file, String what, Path contractFile, Path inputs, Path outputs, Instant at)
            throws CliFailure, IOException, ProtocolException {
        InferenceReceipt r = Json.parse(file, InferenceReceipt.class, what);
        Instant signedAt = Instant.ofEpochSecond(r.receipt().log().head().head().timestamp());
        ServingContractVerifier.Verified contract = contract(contractFile, signedAt);
        TreeHead head = ServingReceipts.verifyInference(r, contract, at);
        requireDigest("--data", inputs, r.inputsSha256(), "inputs");
        requireDigest("--output", outputs, r.outputsSha256(), "outputs");
        long index = r.receipt().log().leaf().sequence();
        String keys = Digests.hex(r.instanceKeys().digest());
        String files = inputs != null && outputs != null ? "--data and --output are the request's inputs and outputs"
                : inputs != null ? "--data is the request's inputs (outputs not compared: give --output)"
                : outputs != null ? "--output is the request's outputs (inputs not compared: give --data)"
                : "files not compared (give --data and --output)";
        String line = "verified: request " + index + " of data provider " + r.requester().fingerprint() + " was answered by the "
                + r.platform().id() + " instance " + keys.substring(0, 16) + " attested for serving contract "
                + contract.hashHex().substring(0, 16) + ", and is in its log of " + head.treeSize() + " answers signed at "
                + signedAt + "; " + files;
        return new Verdict(line, JsonOut.fields("verified", true, "kind", r.kind(), "platform", r.platform(), "checked_at", at.toString(),
                "contract", contract.hashHex(), "instance_keys", keys, "requester", r.requester().fingerprint(), "log_index", index,
                "tree_size", head.treeSize(), "root", Digests.hex(head.rootHash()), "head_signed_at", signedAt.toString(),
                "inputs_sha256", r.inputsSha256(), "outputs_sha256", r.outputsSha256(), "inputs_checked", inputs != null,
                "outputs_checked", outputs != null));
    }

    /** A serving discard receipt (its issue time read first, to check the contract's signature as of then). */
    static Verdict discard(SignedReceipt r, Instant issued, Path contractFile, Instant at) throws CliFailure, IOException, ProtocolException {
        ServingContractVerifier.Verified contract = contract(contractFile, issued);
        ServingDiscardReceipt p = ServingReceipts.verifyDiscard(r, contract, at);
        String keys = Digests.hex(r.instanceKeys().digest());
        String line = "verified: the " + r.platform().id() + " instance " + keys.substring(0, 16) + " attested for serving contract "
                + contract.hashHex().substring(0, 16) + " dropped model " + p.modelSha256().substring(0, 16) + " at " + p.issuedAt()
                + (p.retireNonce() == null ? " (the contract expired)" : " (retired by its model provider)") + " after "
                + p.requestsServed() + " requests and " + p.rowsServed() + " rows; its final log head, of "
                + p.finalTreeHead().head().treeSize() + " answers, is signed by the same key";
        return new Verdict(line, JsonOut.fields("verified", true, "kind", r.kind(), "platform", r.platform(), "checked_at", at.toString(),
                "contract", contract.hashHex(), "instance_keys", keys, "receipt", p));
    }

    /**
     * The serving contract, its model provider's signature and terms checked as of {@code at}: the receipt's own time,
     * since the contract may have expired since (no later than the contract's last instant: a receipt signed at expiry
     * is held to the expiry by the receipt checks themselves).
     */
    private static ServingContractVerifier.Verified contract(Path file, Instant at) throws CliFailure, IOException, ProtocolException {
        SignedServingContract signed = SignedServingContract.read(UserPaths.input("--contract", file));
        Instant expires;
        try {
            expires = Instant.parse(signed.servingContract().expiresAt());
        } catch (RuntimeException e) {
            return ServingContractVerifier.verify(signed, at);   // refused there, with the contract's own words
        }
        return ServingContractVerifier.verify(signed, at.isBefore(expires) ? at : expires.minusMillis(1));
    }

    private static void requireDigest(String option, Path file, String expectedHex, String what) throws CliFailure, IOException {
        if (file == null) {
            return;
        }
        String found = Digests.hex(Digests.sha256(Files.readAllBytes(UserPaths.input(option, file))));
        if (!found.equals(expectedHex)) {
            throw new CliFailure(option + " " + file + " has SHA-256 " + found + " but the receipt's " + what + " are " + expectedHex
                    + "; it is not the file this request " + (what.equals("inputs") ? "sent" : "was answered with"));
        }
    }
}
