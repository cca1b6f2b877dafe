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
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The receipt's issued_at is its signer's word: a receipt is checked at the checker's time, may not be dated after
 * it (beyond the allowed clock skew) nor after the contract expired, and a checker may choose an earlier time
 * explicitly. Receipts are signed in the test by a freshly attested sim instance key.
 */
class ReceiptDateTest {
    @Test
    void receiptIssuedNowIsAcceptedAtTheProvidersImmediateCheck() throws Exception {
        Fixture f = new Fixture(new SimFirmware());
        assertThat(ReceiptVerifier.verifyDiscard(f.receipt(Instant.now().toString()), f.contract).issuedAt()).isNotNull();
    }

    @Test
    void receiptDatedInTheFutureIsRefused() throws Exception {
        Fixture f = new Fixture(new SimFirmware());
        SignedReceipt future = f.receipt(Instant.now().plus(Duration.ofMinutes(30)).toString());
        assertThatThrownBy(() -> ReceiptVerifier.verifyDiscard(future, f.contract)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("after the time of checking");
    }

    @Test
    void receiptDatedAfterTheContractExpiredIsRefused() throws Exception {
        Fixture f = new Fixture(new SimFirmware());
        Instant expiry = Instant.parse(f.contract.contract().expiresAt());
        SignedReceipt late = f.receipt(expiry.plusSeconds(60).toString());
        assertThatThrownBy(() -> ReceiptVerifier.verifyDiscard(late, f.contract, expiry.plus(Duration.ofHours(1))))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("after the contract expired");
    }

    @Test
    void checkerMayChooseAnEarlierTimeExplicitly() throws Exception {
        Instant certEnd = Instant.now().plus(Duration.ofMinutes(10));
        Fixture f = new Fixture(new SimFirmware(Instant.now().minus(Duration.ofHours(1)), certEnd));
        SignedReceipt r = f.receipt(Instant.now().toString());
        assertThat(ReceiptVerifier.verifyDiscard(r, f.contract, Instant.now())).isNotNull();
        assertThatThrownBy(() -> ReceiptVerifier.verifyDiscard(r, f.contract, certEnd.plus(Duration.ofMinutes(1))))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("not attested");
    }

    /** A contract both test parties signed and an instance of {@code firmware} attested for it. */
    private static final class Fixture {
        final ContractVerifier.Verified contract;
        final KeyPair instance;
        final InstanceKeys keys;
        final byte[] nonce = new byte[EvidenceBinding.NONCE_LENGTH];
        final byte[] evidence;

        Fixture(SimFirmware firmware) throws Exception {
            contract = ContractVerifier.verify(TestParties.signedContract(), Instant.now());
            instance = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            byte[] wrapKey = new byte[32];
            new SecureRandom().nextBytes(wrapKey);
            keys = new InstanceKeys(instance.getPublic().getEncoded(), KeyWrapSuite.X25519, wrapKey);
            new SecureRandom().nextBytes(nonce);
            evidence = firmware.report(HexFormat.of().parseHex(TestParties.MEASUREMENT),
                    EvidenceBinding.reportData(nonce, contract.hash(), keys), false);
        }

        SignedReceipt receipt(String issuedAt) throws Exception {
            DiscardReceipt payload = new DiscardReceipt(contract.hashHex(), contract.contract().model().sha256(),
                    DiscardReceipt.DISCARDED, List.of(), issuedAt, Digests.hex(Digests.sha256(evidence)));
            return ReceiptSigner.sign(DiscardReceipt.KIND, payload, instance.getPrivate(), dev.veil.attest.Platform.SIM, evidence, List.of(), nonce, keys);
        }
    }
}
