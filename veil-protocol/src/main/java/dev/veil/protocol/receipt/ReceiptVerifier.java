package dev.veil.protocol.receipt;

import dev.veil.attest.AttestationException;
import dev.veil.attest.VerificationOptions;
import dev.veil.protocol.binding.EnclaveAppraisal;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import java.util.List;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;

/**
 * Checks a receipt offline: signature by the instance key, that key attested (evidence verified, reference values met,
 * report data binding its nonce, this contract and these keys), and the payload naming this contract and model.
 *
 * <p>The evidence is verified at the checker's time, not at the receipt's {@code issued_at}: that date is written by
 * whoever holds the instance key, and verifying "as of" it would let a receipt backdated into the validity window of a
 * since-expired or since-revoked chip certificate pass. {@code issued_at} must not be later than the time of checking
 * (beyond {@link #CLOCK_SKEW}) nor than the contract's expiry. A receipt whose evidence no longer verifies today (its
 * certificate expired) can still be checked as of an earlier time the checker chooses, with the explicit overload.
 */
public final class ReceiptVerifier {
    /** How far the enclave's clock may run ahead of the checker's when the provider checks a receipt just issued. */
    public static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

    private ReceiptVerifier() {
    }

    /** Checks a result receipt now. */
    public static ResultReceipt verifyResult(SignedReceipt r, ContractVerifier.Verified contract) throws ProtocolException {
        return verifyResult(r, contract, Instant.now());
    }

    /** Checks a result receipt as of {@code at}, the checker's time (never the receipt's own date). */
    public static ResultReceipt verifyResult(SignedReceipt r, ContractVerifier.Verified contract, Instant at) throws ProtocolException {
        ResultReceipt p = parse(r, ResultReceipt.KIND, ResultReceipt.class);
        check(r, contract, p.contractHash(), p.modelSha256(), p.evidenceSha256(), p.issuedAt(), at);
        return p;
    }

    /** Checks a discard receipt now. */
    public static DiscardReceipt verifyDiscard(SignedReceipt r, ContractVerifier.Verified contract) throws ProtocolException {
        return verifyDiscard(r, contract, Instant.now());
    }

    /** Checks a discard receipt as of {@code at}, the checker's time (never the receipt's own date). */
    public static DiscardReceipt verifyDiscard(SignedReceipt r, ContractVerifier.Verified contract, Instant at) throws ProtocolException {
        DiscardReceipt p = parse(r, DiscardReceipt.KIND, DiscardReceipt.class);
        check(r, contract, p.contractHash(), p.modelSha256(), p.evidenceSha256(), p.issuedAt(), at);
        return p;
    }

    /** The fields every receipt kind shares, as {@link #verifyKind} checks them. */
    public record CommonFields(String contractHash, String modelSha256, String evidenceSha256, String issuedAt) {
    }

    /**
     * Checks a receipt of another kind (a batch's, dev.veil.protocol.batch) exactly as result and discard receipts are
     * checked: signature, contract, model, evidence digest, dates and the instance key's attestation.
     */
    public static <T> T verifyKind(SignedReceipt r, ContractVerifier.Verified contract, Instant at, String kind, Class<T> type,
                                   java.util.function.Function<T, CommonFields> fields) throws ProtocolException {
        T p = parse(r, kind, type);
        CommonFields f = fields.apply(p);
        check(r, contract, f.contractHash(), f.modelSha256(), f.evidenceSha256(), f.issuedAt(), at);
        return p;
    }

    private static <T> T parse(SignedReceipt r, String kind, Class<T> type) throws ProtocolException {
        if (!kind.equals(r.kind())) {
            throw new ProtocolException("receipt is a '" + r.kind() + "', expected a '" + kind + "'");
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
        return Json.parse(r.payload(), type, "receipt payload");
    }

    private static void check(SignedReceipt r, ContractVerifier.Verified contract, String contractHash, String modelSha,
                              String evidenceSha, String issuedAt, Instant at) throws ProtocolException {
        if (!contract.hashHex().equals(contractHash)) {
            throw new ProtocolException("receipt is for contract " + contractHash + ", expected " + contract.hashHex());
        }
        if (!contract.contract().model().sha256().equals(modelSha)) {
            throw new ProtocolException("receipt names model " + modelSha + ", the contract names " + contract.contract().model().sha256());
        }
        if (!Digests.hex(Digests.sha256(r.evidence())).equals(evidenceSha)) {
            throw new ProtocolException("receipt's evidence digest does not match the evidence it carries");
        }
        Instant issued;
        try {
            issued = Instant.parse(issuedAt);
        } catch (RuntimeException e) {
            throw new ProtocolException("receipt issued_at '" + issuedAt + "' is not an ISO-8601 instant");
        }
        if (issued.isAfter(at.plus(CLOCK_SKEW))) {
            throw new ProtocolException("receipt is dated " + issued + ", after the time of checking " + at + ": it cannot have been issued yet");
        }
        Instant expiry;
        try {
            expiry = Instant.parse(contract.contract().expiresAt());
        } catch (RuntimeException e) {
            throw new ProtocolException("contract expires_at '" + contract.contract().expiresAt() + "' is not an ISO-8601 instant");
        }
        if (issued.isAfter(expiry)) {
            throw new ProtocolException("receipt is dated " + issued + ", after the contract expired at " + expiry);
        }
        try {
            EnclaveAppraisal.appraise(contract, r.platform(), r.evidence(), r.evidenceNonce(), r.instanceKeys(),
                    new VerificationOptions(at, List.of(), r.collateral()));
        } catch (AttestationException e) {
            throw new ProtocolException("receipt's signing key is not attested for this contract: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("receipt's evidence nonce is malformed");
        }
    }
}
