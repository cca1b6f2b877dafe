package dev.veil.protocol.receipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.sim.SimFirmware;
import dev.veil.protocol.TestParties;
import dev.veil.protocol.binding.EvidenceBinding;
import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Offline receipt checks verify the enclave's evidence "at" the receipt's own issued_at, a time the receipt's signer
 * writes, and with only the collateral the receipt carries. Whoever holds an instance key on a platform whose
 * certificate has since expired (or been revoked, or whose TCB has since gone out of date) can mint receipts dated
 * into the window when it was still good. Shown on sim, where a chip certificate that expired in 2021 is enough.
 */
class ReceiptTimeAttackTest {
    @Test
    void receiptBackdatedIntoAnExpiredChipCertificatesWindowIsRefused() throws Exception {
        ContractVerifier.Verified contract = ContractVerifier.verify(TestParties.signedContract(), Instant.now());
        SimFirmware expiredChip = new SimFirmware(Instant.parse("2020-01-01T00:00:00Z"), Instant.parse("2021-01-01T00:00:00Z"));
        KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
        KeyPair instance = g.generateKeyPair();
        byte[] wrapKey = new byte[32];
        new SecureRandom().nextBytes(wrapKey);
        InstanceKeys keys = new InstanceKeys(instance.getPublic().getEncoded(), KeyWrapSuite.X25519, wrapKey);
        byte[] nonce = new byte[EvidenceBinding.NONCE_LENGTH];
        new SecureRandom().nextBytes(nonce);
        byte[] evidence = expiredChip.report(HexFormat.of().parseHex(TestParties.MEASUREMENT),
                EvidenceBinding.reportData(nonce, contract.hash(), keys), false);
        DiscardReceipt payload = new DiscardReceipt(contract.hashHex(), contract.contract().model().sha256(),
                DiscardReceipt.DISCARDED, List.of(), "2020-06-01T00:00:00Z", Digests.hex(Digests.sha256(evidence)));
        SignedReceipt receipt = ReceiptSigner.sign(DiscardReceipt.KIND, payload, instance.getPrivate(), dev.veil.attest.Platform.SIM, evidence,
                List.of(), nonce, keys);

        assertThat(payload.issuedAt()).as("dated before the contract it names was even drafted").isLessThan(Instant.now().toString());
        assertThatThrownBy(() -> ReceiptVerifier.verifyDiscard(receipt, contract))
                .as("evidence whose chip certificate expired in 2021 must not attest a receipt checked today")
                .isInstanceOf(ProtocolException.class);
    }
}
