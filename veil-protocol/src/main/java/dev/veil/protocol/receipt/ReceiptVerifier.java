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
import java.time.Instant;

/**
 * Checks a receipt offline: signature by the instance key, that key attested (evidence verified, reference values met,
 * report data binding its nonce, this contract and these keys), and the payload naming this contract and model.
 */
public final class ReceiptVerifier {
    private ReceiptVerifier() {
    }

    public static ResultReceipt verifyResult(SignedReceipt r, ContractVerifier.Verified contract) throws ProtocolException {
        ResultReceipt p = parse(r, ResultReceipt.KIND, ResultReceipt.class);
        check(r, contract, p.contractHash(), p.modelSha256(), p.evidenceSha256(), p.issuedAt());
        return p;
    }

    public static DiscardReceipt verifyDiscard(SignedReceipt r, ContractVerifier.Verified contract) throws ProtocolException {
        DiscardReceipt p = parse(r, DiscardReceipt.KIND, DiscardReceipt.class);
        check(r, contract, p.contractHash(), p.modelSha256(), p.evidenceSha256(), p.issuedAt());
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
                              String evidenceSha, String issuedAt) throws ProtocolException {
        if (!contract.hashHex().equals(contractHash)) {
            throw new ProtocolException("receipt is for contract " + contractHash + ", expected " + contract.hashHex());
        }
        if (!contract.contract().model().sha256().equals(modelSha)) {
            throw new ProtocolException("receipt names model " + modelSha + ", the contract names " + contract.contract().model().sha256());
        }
        if (!Digests.hex(Digests.sha256(r.evidence())).equals(evidenceSha)) {
            throw new ProtocolException("receipt's evidence digest does not match the evidence it carries");
        }
        Instant at;
        try {
            at = Instant.parse(issuedAt);
        } catch (RuntimeException e) {
            throw new ProtocolException("receipt issued_at '" + issuedAt + "' is not an ISO-8601 instant");
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
