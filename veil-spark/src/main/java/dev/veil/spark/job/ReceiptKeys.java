package dev.veil.spark.job;

import dev.veil.enclave.evidence.EvidenceSource;
import dev.veil.enclave.keys.InstanceKeyPairs;
import dev.veil.protocol.binding.EvidenceBinding;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.receipt.ReceiptSigner;
import dev.veil.protocol.receipt.SignedReceipt;
import java.io.IOException;
import java.security.SecureRandom;

/**
 * An instance's receipt signing: its instance signing key, and evidence binding the contract and its instance keys
 * (to a nonce of its own, drawn once), which every receipt it signs carries so that it can be checked offline.
 */
final class ReceiptKeys {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final InstanceKeyPairs keys;
    private final EvidenceSource source;
    private final EvidenceSource.Collected evidence;
    private final byte[] nonce;

    ReceiptKeys(ContractVerifier.Verified contract, InstanceKeyPairs keys, EvidenceSource source) throws IOException {
        this.keys = keys;
        this.source = source;
        this.nonce = new byte[EvidenceBinding.NONCE_LENGTH];
        RANDOM.nextBytes(nonce);
        this.evidence = source.collect(EvidenceBinding.reportData(nonce, contract.hash(), keys.publicKeys()));
    }

    String evidenceSha256() {
        return Digests.hex(Digests.sha256(evidence.evidence()));
    }

    SignedReceipt sign(String kind, Object payload) {
        return ReceiptSigner.sign(kind, payload, keys.signingKey(), source.platform(), evidence.evidence(),
                evidence.collateral(), nonce, keys.publicKeys());
    }
}
