package dev.veil.protocol.servinghttp;

import dev.veil.attest.AttestationException;
import dev.veil.attest.VerificationOptions;
import dev.veil.protocol.serving.ServingAppraisal;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.receipt.ReceiptVerifier;
import dev.veil.protocol.receipt.SignedReceipt;
import dev.veil.protocol.serving.ServingContractVerifier;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.List;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.translog.LogVerifier;
import dev.veil.protocol.translog.TreeHead;

/**
 * Checks a serving discard receipt offline, as {@link ReceiptVerifier} does a batch one: signed by the instance key,
 * that key attested for this serving contract (evidence verified at the checker's time, reference values met, report
 * data binding its nonce, H(sc) and these keys), and the payload naming this contract and model.
 */
public final class ServingReceipts {
    private ServingReceipts() {
    }

    public static ServingDiscardReceipt verifyDiscard(SignedReceipt r, ServingContractVerifier.Verified contract, Instant at)
            throws ProtocolException {
        if (!ServingDiscardReceipt.KIND.equals(r.kind())) {
            throw new ProtocolException("receipt is a '" + r.kind() + "', expected a '" + ServingDiscardReceipt.KIND + "'");
        }
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(r.instanceKeys().signingKey())));
            s.update(SignedReceipt.signingMessage(r.kind(), r.payload()));
            if (!s.verify(r.signature())) {
                throw new ProtocolException("receipt signature does not verify with the enclave instance key: the receipt was altered");
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new ProtocolException("receipt signature or instance key is malformed");
        }
        ServingDiscardReceipt p = Json.parse(r.payload(), ServingDiscardReceipt.class, "serving discard receipt");
        if (!contract.hashHex().equals(p.contractHash())) {
            throw new ProtocolException("receipt is for serving contract " + p.contractHash() + ", expected " + contract.hashHex());
        }
        if (!contract.contract().model().sha256().equals(p.modelSha256())) {
            throw new ProtocolException("receipt names model " + p.modelSha256() + ", the contract names " + contract.contract().model().sha256());
        }
        if (!Digests.hex(Digests.sha256(r.evidence())).equals(p.evidenceSha256())) {
            throw new ProtocolException("receipt's evidence digest does not match the evidence it carries");
        }
        TreeHead last = LogVerifier.verifyHead(p.finalTreeHead(), r.instanceKeys(), contract.hash());
        if (last.treeSize() != p.requestsServed()) {
            throw new ProtocolException("receipt counts " + p.requestsServed() + " requests served but its final log head holds "
                    + last.treeSize() + " answers");
        }
        Instant issued;
        try {
            issued = Instant.parse(p.issuedAt());
        } catch (RuntimeException e) {
            throw new ProtocolException("receipt issued_at '" + p.issuedAt() + "' is not an ISO-8601 instant");
        }
        if (issued.isAfter(at.plus(ReceiptVerifier.CLOCK_SKEW))) {
            throw new ProtocolException("receipt is dated " + issued + ", after the time of checking " + at + ": it cannot have been issued yet");
        }
        if (issued.isAfter(contract.expiresAt().plus(ReceiptVerifier.CLOCK_SKEW))) {
            throw new ProtocolException("receipt is dated " + issued + ", after the serving contract expired at " + contract.expiresAt());
        }
        try {
            ServingAppraisal.appraise(contract, r.platform(), r.evidence(), r.evidenceNonce(),
                    r.instanceKeys(), new VerificationOptions(at, List.of(), r.collateral()));
        } catch (AttestationException e) {
            throw new ProtocolException("receipt's signing key is not attested for this serving contract: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("receipt's evidence nonce is malformed");
        }
        return p;
    }

    /**
     * Checks a data provider's inference receipt offline, on its own: the evidence it carries appraised for this
     * contract at {@code at} (binding its nonce, H(sc) and the instance keys: the instance the data provider
     * attested), the log leaf included in a tree head those keys signed for this contract (dated no later than
     * {@code at} and the contract's expiry, within {@link ReceiptVerifier#CLOCK_SKEW}), the requester one the contract
     * lets query, and the leaf's commitments opening to the receipt's own input and output digests and requester.
     * Whether those digests are of given files is the caller's to compare.
     */
    public static TreeHead verifyInference(InferenceReceipt r, ServingContractVerifier.Verified contract, Instant at)
            throws ProtocolException {
        if (!contract.hashHex().equals(r.contractHash())) {
            throw new ProtocolException("receipt is for serving contract " + r.contractHash() + ", expected " + contract.hashHex());
        }
        contract.budgetFor(r.requester());
        try {
            ServingAppraisal.appraise(contract, r.platform(), r.evidence(), r.evidenceNonce(),
                    r.instanceKeys(), new VerificationOptions(at, List.of(), r.collateral()));
        } catch (AttestationException e) {
            throw new ProtocolException("receipt's instance keys are not attested for this serving contract: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("receipt's evidence nonce is malformed");
        }
        TreeHead head = LogVerifier.verifyInclusion(r.receipt().log(), r.instanceKeys(), contract.hash());
        Instant signed = Instant.ofEpochSecond(head.timestamp());
        if (signed.isAfter(at.plus(ReceiptVerifier.CLOCK_SKEW))) {
            throw new ProtocolException("receipt's tree head is dated " + signed + ", after the time of checking " + at
                    + ": it cannot have been signed yet");
        }
        if (signed.isAfter(contract.expiresAt().plus(ReceiptVerifier.CLOCK_SKEW))) {
            throw new ProtocolException("receipt's tree head is dated " + signed + ", after the serving contract expired at "
                    + contract.expiresAt());
        }
        LogVerifier.verifyOpening(r.receipt().log().leaf(), r.receipt().salts(), hex32(r.inputsSha256(), "inputs_sha256"),
                hex32(r.outputsSha256(), "outputs_sha256"), r.requester());
        return head;
    }

    /**
     * {@link #verifyInference(InferenceReceipt, ServingContractVerifier.Verified, Instant)}, and that the receipt is
     * about these inputs, these outputs and this requester.
     */
    public static TreeHead verifyInference(InferenceReceipt r, ServingContractVerifier.Verified contract, byte[] inputsNpz,
                                           byte[] outputsNpz, PublicIdentity requester, Instant at) throws ProtocolException {
        if (!Digests.hex(Digests.sha256(inputsNpz)).equals(r.inputsSha256())
                || !Digests.hex(Digests.sha256(outputsNpz)).equals(r.outputsSha256())) {
            throw new ProtocolException("the inputs or outputs given are not the ones the receipt names");
        }
        if (!requester.sameKeysAs(r.requester())) {
            throw new ProtocolException("the receipt names requester " + r.requester().fingerprint() + ", not " + requester.fingerprint());
        }
        return verifyInference(r, contract, at);
    }

    private static byte[] hex32(String hex, String field) throws ProtocolException {
        if (hex == null || !hex.matches("[0-9a-f]{64}")) {
            throw new ProtocolException("receipt's " + field + " is not 64 lowercase hex digits");
        }
        return java.util.HexFormat.of().parseHex(hex);
    }
}
