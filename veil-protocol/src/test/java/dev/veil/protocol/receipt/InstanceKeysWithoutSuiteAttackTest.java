package dev.veil.protocol.receipt;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.veil.attest.sim.SimFirmware;
import dev.veil.protocol.TestParties;
import dev.veil.protocol.binding.EvidenceBinding;
import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
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
 * The receipt's signature covers its payload, not the instance keys it carries: whoever relays a genuine receipt (the
 * host) can drop the key-wrap suite from them. Found by ProtocolParsersFuzzTest#receiptThenVerify (input
 * finding-instance-keys-without-key-wrap-suite-npe): the checker then threw a NullPointerException while binding the
 * keys to the evidence, instead of refusing the receipt with a reason.
 */
class InstanceKeysWithoutSuiteAttackTest {
    @Test
    void receiptWhoseInstanceKeysLackTheKeyWrapSuiteIsRefused() throws Exception {
        ContractVerifier.Verified contract = ContractVerifier.verify(TestParties.signedContract(), Instant.now());
        KeyPair instance = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] wrapKey = new byte[32];
        new SecureRandom().nextBytes(wrapKey);
        InstanceKeys keys = new InstanceKeys(instance.getPublic().getEncoded(), KeyWrapSuite.X25519, wrapKey);
        byte[] nonce = new byte[EvidenceBinding.NONCE_LENGTH];
        new SecureRandom().nextBytes(nonce);
        byte[] evidence = new SimFirmware().report(HexFormat.of().parseHex(TestParties.MEASUREMENT),
                EvidenceBinding.reportData(nonce, contract.hash(), keys), false);
        DiscardReceipt payload = new DiscardReceipt(contract.hashHex(), contract.contract().model().sha256(),
                DiscardReceipt.DISCARDED, List.of(), Instant.now().toString(), Digests.hex(Digests.sha256(evidence)));
        SignedReceipt genuine = ReceiptSigner.sign(DiscardReceipt.KIND, payload, instance.getPrivate(), dev.veil.attest.Platform.SIM, evidence,
                List.of(), nonce, keys);
        ObjectNode relayed = (ObjectNode) Json.mapper().readTree(Json.canonical(genuine));
        ((ObjectNode) relayed.get("instance_keys")).remove("key_wrap_suite");

        assertThatThrownBy(() -> ReceiptVerifier.verifyDiscard(
                Json.parse(Json.mapper().writeValueAsBytes(relayed), SignedReceipt.class, "receipt"), contract))
                .as("instance keys without their key-wrap suite are refused with a reason, not a crash")
                .isInstanceOf(ProtocolException.class);
    }
}
