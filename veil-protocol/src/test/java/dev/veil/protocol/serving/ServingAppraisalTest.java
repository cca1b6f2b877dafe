package dev.veil.protocol.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.sim.SimFirmware;
import dev.veil.protocol.TestParties;
import dev.veil.protocol.binding.EvidenceBinding;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.serving.ServingFixture.Instance;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Sim evidence of a serving instance, held to the serving contract and its binding. */
class ServingAppraisalTest {
    private static final SimFirmware FIRMWARE = new SimFirmware();
    private static final byte[] MEASUREMENT = HexFormat.of().parseHex(TestParties.MEASUREMENT);
    private static final byte[] NONCE = new byte[32];

    @Test
    void evidenceBindingThisContractNonceAndKeysPasses() throws Exception {
        var contract = ServingFixture.verified(KeyWrapSuite.X25519);
        Instance instance = Instance.generate(KeyWrapSuite.X25519);
        byte[] evidence = FIRMWARE.report(MEASUREMENT, EvidenceBinding.reportData(NONCE, contract.hash(), instance.keys()), false);
        assertThat(ServingAppraisal.appraise(contract, Platform.SIM, evidence, NONCE, instance.keys(), VerificationOptions.now())
                .platform()).isEqualTo(Platform.SIM);
    }

    @Test
    void evidenceOfAnotherContractOrInstanceOrNonceFails() throws Exception {
        var contract = ServingFixture.verified(KeyWrapSuite.X25519);
        var other = ServingFixture.verified(KeyWrapSuite.X25519);
        Instance instance = Instance.generate(KeyWrapSuite.X25519);
        Instance relay = Instance.generate(KeyWrapSuite.X25519);
        byte[] forOther = FIRMWARE.report(MEASUREMENT, EvidenceBinding.reportData(NONCE, other.hash(), instance.keys()), false);
        byte[] good = FIRMWARE.report(MEASUREMENT, EvidenceBinding.reportData(NONCE, contract.hash(), instance.keys()), false);
        assertThatThrownBy(() -> ServingAppraisal.appraise(contract, Platform.SIM, forOther, NONCE, instance.keys(), VerificationOptions.now()))
                .isInstanceOf(AttestationException.class);
        assertThatThrownBy(() -> ServingAppraisal.appraise(contract, Platform.SIM, good, NONCE, relay.keys(), VerificationOptions.now()))
                .isInstanceOf(AttestationException.class);
        byte[] freshNonce = new byte[32];
        freshNonce[0] = 1;
        assertThatThrownBy(() -> ServingAppraisal.appraise(contract, Platform.SIM, good, freshNonce, instance.keys(), VerificationOptions.now()))
                .isInstanceOf(AttestationException.class);
    }
}
