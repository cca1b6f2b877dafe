package dev.veil.attest.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.AttestationException;
import dev.veil.attest.VerificationOptions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Sim chip certificates are checked once and remembered by their DER bytes ({@link SimChipCertificates}). Each attack
 * presents a certificate the verifier has already accepted, hoping that what was checked for an earlier report carries
 * over to this one: each must still be refused.
 */
class SimChipCertificateMemoryAttackTest {
    private static final byte[] MEASUREMENT = new byte[48];
    private static final byte[] REPORT_DATA = new byte[64];
    private final SimEvidenceVerifier verifier = new SimEvidenceVerifier();

    @Test
    void rememberedCertificateIsRefusedOnceItExpired() throws Exception {
        Instant now = Instant.now();
        SimFirmware firmware = new SimFirmware(now.minus(Duration.ofHours(1)), now.plus(Duration.ofHours(1)));
        byte[] evidence = firmware.report(MEASUREMENT, REPORT_DATA, false);
        verifier.verify(evidence, VerificationOptions.at(now));
        assertThatThrownBy(() -> verifier.verify(evidence, VerificationOptions.at(now.plus(Duration.ofHours(2)))))
                .isInstanceOf(AttestationException.class).hasMessageContaining("validity");
        assertThatThrownBy(() -> verifier.verify(evidence, VerificationOptions.at(now.minus(Duration.ofHours(2)))))
                .isInstanceOf(AttestationException.class).hasMessageContaining("validity");
    }

    /** The chip key of chip A signs a report claiming chip B, with A's certificate that already verified for A. */
    @Test
    void rememberedCertificateStillBindsOnlyItsOwnChipId() throws Exception {
        KeyPair chipKey = p384();
        byte[] chipA = new byte[32];
        Arrays.fill(chipA, (byte) 0x5A);
        byte[] chipB = chipA.clone();
        chipB[31] ^= 1;
        byte[] certA = SimCertificates.issueChip(chipA, chipKey.getPublic(), SimRoot.insecurePrivateKey(), SimRoot.SUBJECT,
                Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600)).getEncoded();
        verifier.verify(evidence(chipKey, chipA, certA), VerificationOptions.now());
        assertThatThrownBy(() -> verifier.verify(evidence(chipKey, chipB, certA), VerificationOptions.now()))
                .isInstanceOf(AttestationException.class).hasMessageContaining("sim chip certificate subject");
        verifier.verify(evidence(chipKey, chipA, certA), VerificationOptions.now());
    }

    @Test
    void reportSignatureIsCheckedAfreshWithARememberedCertificate() throws Exception {
        SimFirmware firmware = new SimFirmware();
        verifier.verify(firmware.report(MEASUREMENT, REPORT_DATA, false), VerificationOptions.now());
        byte[] other = REPORT_DATA.clone();
        other[0] = 1;
        SimEvidence genuine = SimEvidence.parse(firmware.report(MEASUREMENT, other, false));
        SimReport r = genuine.report();
        // the report data changed under a signature made over other report data
        SimReport swapped = new SimReport(r.version(), r.flags(), r.measurement(), REPORT_DATA,
                r.chipId(), SimEvidence.parse(firmware.report(MEASUREMENT, other, false)).report().signature());
        byte[] forged = new SimEvidence(swapped, genuine.certificates()).encode();
        assertThatThrownBy(() -> verifier.verify(forged, VerificationOptions.now()))
                .isInstanceOf(AttestationException.class).hasMessageContaining("sim report signature");
    }

    /** A certificate refused once is not remembered: presented again, it is refused again. */
    @Test
    void certificateFromAnotherRootIsRefusedEveryTime() throws Exception {
        KeyPair rogueRoot = p384();
        KeyPair chipKey = p384();
        byte[] chip = new byte[32];
        Arrays.fill(chip, (byte) 0x33);
        byte[] rogue = SimCertificates.issueChip(chip, chipKey.getPublic(), rogueRoot.getPrivate(), SimRoot.SUBJECT,
                Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600)).getEncoded();
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> verifier.verify(evidence(chipKey, chip, rogue), VerificationOptions.now()))
                    .isInstanceOf(AttestationException.class).hasMessageContaining("not signed by the pinned sim root");
        }
    }

    @Test
    void aCertificateDifferingInOneByteIsNotTheRememberedOne() throws Exception {
        SimFirmware firmware = new SimFirmware();
        byte[] evidence = firmware.report(MEASUREMENT, REPORT_DATA, false);
        verifier.verify(evidence, VerificationOptions.now());
        SimEvidence parsed = SimEvidence.parse(evidence);
        byte[] cert = parsed.certificates().get(0).clone();
        cert[cert.length - 1] ^= 1;   // inside the root's signature
        byte[] altered = new SimEvidence(parsed.report(), List.of(cert)).encode();
        assertThatThrownBy(() -> verifier.verify(altered, VerificationOptions.now())).isInstanceOf(AttestationException.class);
        assertThat(verifier.verify(evidence, VerificationOptions.now()).measurement()).isEqualTo(MEASUREMENT);
    }

    private static byte[] evidence(KeyPair chipKey, byte[] chipId, byte[] cert) throws Exception {
        SimReport unsigned = new SimReport(SimReport.VERSION, 0, MEASUREMENT, REPORT_DATA, chipId, new byte[96]);
        Signature s = Signature.getInstance("SHA384withECDSAinP1363Format");
        s.initSign(chipKey.getPrivate());
        s.update(unsigned.signedBytes());
        return new SimEvidence(new SimReport(SimReport.VERSION, 0, MEASUREMENT, REPORT_DATA, chipId, s.sign()), List.of(cert)).encode();
    }

    private static KeyPair p384() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp384r1"));
        return g.generateKeyPair();
    }
}
