package dev.veil.protocol.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Platform;
import dev.veil.attest.sim.SimFirmware;
import dev.veil.protocol.TestParties;
import dev.veil.protocol.binding.EvidenceBinding;
import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.receipt.ReceiptSigner;
import dev.veil.protocol.receipt.SignedReceipt;
import dev.veil.protocol.servinghttp.ServingDiscardReceipt;
import dev.veil.protocol.servinghttp.ServingReceipts;
import dev.veil.protocol.translog.LeafCommitments;
import dev.veil.protocol.translog.LeafSalts;
import dev.veil.protocol.translog.SignedTreeHead;
import dev.veil.protocol.translog.TransparencyLog;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A serving discard receipt says how many requests the instance answered, and carries the log's final head so the
 * model provider can hold that count to the heads it audited. An instance (or whoever holds its key) that signs a
 * receipt whose final head is another's, or whose count is not its head's size, would have the model provider believe
 * another log or another count: the final head must be signed by the receipt's own attested key, of as many leaves
 * as requests served.
 */
class ServingDiscardReceiptAttackTest {
    private static final SimFirmware CHIP = new SimFirmware(ServingFixture.NOW.minus(Duration.ofDays(1)),
            ServingFixture.NOW.plus(Duration.ofDays(365)));

    /** The contract's expiry retires the model with no retire request: the receipt has no retire nonce, and verifies. */
    @Test
    void genuineDiscardReceiptVerifies() throws Exception {
        Minted m = new Minted();
        assertThat(ServingReceipts.verifyDiscard(m.sign(2L, m.ownHead(2)), m.contract, ServingFixture.NOW).requestsServed()).isEqualTo(2);
    }

    @Test
    void discardReceiptWhoseFinalHeadIsAnotherInstancesIsRefused() throws Exception {
        Minted m = new Minted();
        KeyPair other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        SignedTreeHead foreign = head(m.contract, other, 2);
        assertThatThrownBy(() -> ServingReceipts.verifyDiscard(m.sign(2L, foreign), m.contract, ServingFixture.NOW))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("not signed by this enclave instance's key");
    }

    @Test
    void discardReceiptCountingOtherThanItsFinalHeadIsRefused() throws Exception {
        Minted m = new Minted();
        assertThatThrownBy(() -> ServingReceipts.verifyDiscard(m.sign(1L, m.ownHead(2)), m.contract, ServingFixture.NOW))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("counts 1 requests served but its final log head holds 2");
    }

    /** An attested sim instance of the fixture's serving contract, holding its signing key as the enclave would. */
    private static final class Minted {
        final ServingContractVerifier.Verified contract = ServingFixture.verified(KeyWrapSuite.X25519);
        final KeyPair instance = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        final InstanceKeys keys;
        final byte[] nonce = new byte[EvidenceBinding.NONCE_LENGTH];
        final byte[] evidence;

        Minted() throws Exception {
            byte[] wrapKey = new byte[32];
            new SecureRandom().nextBytes(wrapKey);
            new SecureRandom().nextBytes(nonce);
            keys = new InstanceKeys(instance.getPublic().getEncoded(), KeyWrapSuite.X25519, wrapKey);
            evidence = CHIP.report(HexFormat.of().parseHex(TestParties.MEASUREMENT), EvidenceBinding.reportData(nonce, contract.hash(), keys), false);
        }

        SignedTreeHead ownHead(int leaves) {
            return head(contract, instance, leaves);
        }

        SignedReceipt sign(Long requestsServed, SignedTreeHead finalHead) {
            ServingDiscardReceipt payload = new ServingDiscardReceipt(contract.hashHex(), contract.contract().model().sha256(), null,
                    requestsServed, 3L, finalHead, List.of("onnx runtime session closed"), ServingFixture.NOW.toString(),
                    Digests.hex(Digests.sha256(evidence)));
            return ReceiptSigner.sign(ServingDiscardReceipt.KIND, payload, instance.getPrivate(), Platform.SIM, evidence, List.of(),
                    nonce, keys);
        }
    }

    private static SignedTreeHead head(ServingContractVerifier.Verified contract, KeyPair signer, int leaves) {
        TransparencyLog log = new TransparencyLog(contract.hash(), signer.getPrivate(), Clock.fixed(ServingFixture.NOW, ZoneOffset.UTC));
        for (int i = 0; i < leaves; i++) {
            log.append(LeafCommitments.commit(LeafSalts.random(), new byte[32], new byte[32], ServingFixture.DP.publicIdentity()));
        }
        return log.head();
    }
}
