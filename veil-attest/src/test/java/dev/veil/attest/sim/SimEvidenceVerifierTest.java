package dev.veil.attest.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Claims;
import dev.veil.attest.ClaimFailure;
import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.claims.PlatformClaims;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimEvidenceVerifierTest {
    static final byte[] MEASUREMENT = filled(48, 0x11);
    static final byte[] REPORT_DATA = filled(64, 0x22);
    static final SimFirmware FIRMWARE = new SimFirmware();
    private final SimEvidenceVerifier verifier = new SimEvidenceVerifier();
    private final ReferenceValues accepting = new ReferenceValues(Platform.SIM,
            List.of(HexFormat.of().formatHex(MEASUREMENT)), false, true);

    @Test
    void validEvidenceVerifiesWithItsClaims() throws Exception {
        Claims c = verifier.verify(FIRMWARE.report(MEASUREMENT, REPORT_DATA, false), VerificationOptions.now());
        assertThat(c.platform()).isEqualTo(Platform.SIM);
        assertThat(c.measurement()).isEqualTo(MEASUREMENT);
        assertThat(c.reportData()).isEqualTo(REPORT_DATA);
        assertThat(c.debug()).isFalse();
        assertThat(accepting.check(c, REPORT_DATA)).isEmpty();
        assertThat(PlatformClaims.names(Platform.SIM)).as("every sim claim can be pinned").containsAll(c.byName().keySet());
    }

    @Test
    void everyFlippedByteOfReportOrCertificateIsRejected() {
        byte[] ev = FIRMWARE.report(MEASUREMENT, REPORT_DATA, false);
        for (int i = 0; i < ev.length; i++) {
            byte[] t = ev.clone();
            t[i] ^= 0x40;
            assertThatThrownBy(() -> verifier.verify(t, VerificationOptions.now()))
                    .as("flip at %d", i).isInstanceOf(AttestationException.class);
        }
    }

    @Test
    void truncatedAndExtendedEvidenceIsRejected() {
        byte[] ev = FIRMWARE.report(MEASUREMENT, REPORT_DATA, false);
        for (int len : new int[] {0, 10, SimReport.LENGTH, ev.length - 1}) {
            assertThatThrownBy(() -> verifier.verify(Arrays.copyOf(ev, len), VerificationOptions.now()))
                    .isInstanceOf(AttestationException.class);
        }
        assertThatThrownBy(() -> verifier.verify(Arrays.copyOf(ev, ev.length + 1), VerificationOptions.now()))
                .isInstanceOf(AttestationException.class).hasMessageContaining("trailing bytes");
    }

    @Test
    void chipCertificateFromAnotherRootIsRejected() throws Exception {
        var g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp384r1"));
        var rogueRoot = g.generateKeyPair();
        SimEvidence genuine = SimEvidence.parse(FIRMWARE.report(MEASUREMENT, REPORT_DATA, false));
        var rogueChip = g.generateKeyPair();
        byte[] chipId = genuine.report().chipId();
        var rogueCert = SimCertificates.issueChip(chipId, rogueChip.getPublic(), rogueRoot.getPrivate(), SimRoot.SUBJECT,
                Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
        var s = java.security.Signature.getInstance("SHA384withECDSAinP1363Format");
        s.initSign(rogueChip.getPrivate());
        s.update(genuine.report().signedBytes());
        SimReport r = genuine.report();
        byte[] forged = new SimEvidence(new SimReport(r.version(), r.flags(), r.measurement(), r.reportData(), chipId, s.sign()),
                List.of(rogueCert.getEncoded())).encode();
        assertThatThrownBy(() -> verifier.verify(forged, VerificationOptions.now()))
                .isInstanceOf(AttestationException.class).hasMessageContaining("not signed by the pinned sim root");
    }

    @Test
    void chipCertificateBindsAll32ChipIdBytes() throws Exception {
        // a genuine chip certificate for chip A signs a report that claims chip B, which shares A's first 16 bytes
        var g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp384r1"));
        var chipKey = g.generateKeyPair();
        byte[] chipA = filled(32, 0x0A);
        byte[] chipB = chipA.clone();
        chipB[31] ^= 0x01;
        var certA = SimCertificates.issueChip(chipA, chipKey.getPublic(), SimRoot.insecurePrivateKey(), SimRoot.SUBJECT,
                Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
        SimReport unsigned = new SimReport(SimReport.VERSION, 0, MEASUREMENT, REPORT_DATA, chipB, new byte[96]);
        var s = java.security.Signature.getInstance("SHA384withECDSAinP1363Format");
        s.initSign(chipKey.getPrivate());
        s.update(unsigned.signedBytes());
        byte[] forged = new SimEvidence(new SimReport(SimReport.VERSION, 0, MEASUREMENT, REPORT_DATA, chipB, s.sign()),
                List.of(certA.getEncoded())).encode();
        assertThatThrownBy(() -> verifier.verify(forged, VerificationOptions.now()))
                .hasMessageContaining("sim chip certificate subject");
    }

    @Test
    void chipCertificateWithAP256KeyIsRejected() throws Exception {
        var g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        SimEvidence genuine = SimEvidence.parse(FIRMWARE.report(MEASUREMENT, REPORT_DATA, false));
        var p256Cert = SimCertificates.issueChip(genuine.report().chipId(), g.generateKeyPair().getPublic(), SimRoot.insecurePrivateKey(),
                SimRoot.SUBJECT, Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600));
        byte[] forged = new SimEvidence(genuine.report(), List.of(p256Cert.getEncoded())).encode();
        assertThatThrownBy(() -> verifier.verify(forged, VerificationOptions.now())).hasMessageContaining("sim chip certificate key is EC, expected EC P-384");
    }

    @Test
    void expiredAndNotYetValidChipCertificatesAreRejected() {
        byte[] ev = FIRMWARE.report(MEASUREMENT, REPORT_DATA, false);
        assertThatThrownBy(() -> verifier.verify(ev, VerificationOptions.at(Instant.now().plus(Duration.ofDays(4000)))))
                .isInstanceOf(AttestationException.class).hasMessageContaining("validity");
        assertThatThrownBy(() -> verifier.verify(ev, VerificationOptions.at(Instant.now().minus(Duration.ofDays(1)))))
                .isInstanceOf(AttestationException.class).hasMessageContaining("validity");
    }

    @Test
    void policyNamesEveryFailedClaimWithFoundAndExpected() throws Exception {
        Claims debug = verifier.verify(FIRMWARE.report(filled(48, 0x33), filled(64, 0x44), true), VerificationOptions.now());
        ReferenceValues strict = new ReferenceValues(Platform.SIM, List.of(HexFormat.of().formatHex(MEASUREMENT)), false, false);
        List<ClaimFailure> failures = strict.check(debug, REPORT_DATA);
        assertThat(failures).extracting(ClaimFailure::claim)
                .containsExactlyInAnyOrder("simulated TEE", "debug", "measurement", "report_data");
        ClaimFailure m = failures.stream().filter(f -> f.claim().equals("measurement")).findFirst().orElseThrow();
        assertThat(m.found()).isEqualTo("33".repeat(48));
        assertThat(m.expected()).contains("11".repeat(48));
    }

    @Test
    void simEvidenceIsRefusedUnlessSimulationIsExplicitlyAllowed() throws Exception {
        Claims c = verifier.verify(FIRMWARE.report(MEASUREMENT, REPORT_DATA, false), VerificationOptions.now());
        ReferenceValues noSim = new ReferenceValues(Platform.SIM, List.of(HexFormat.of().formatHex(MEASUREMENT)), false, false);
        assertThatThrownBy(() -> noSim.require(c, REPORT_DATA)).isInstanceOf(AttestationException.class)
                .hasMessageContaining("simulated TEE");
    }

    @Test
    void wrongPlatformIsRejected() throws Exception {
        Claims c = verifier.verify(FIRMWARE.report(MEASUREMENT, REPORT_DATA, false), VerificationOptions.now());
        ReferenceValues snp = new ReferenceValues(Platform.SEV_SNP, List.of(HexFormat.of().formatHex(MEASUREMENT)), false, true);
        assertThat(snp.check(c, REPORT_DATA)).extracting(ClaimFailure::claim).containsExactly("platform");
    }

    static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }
}
