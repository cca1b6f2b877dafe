package dev.veil.attest.snp;

import static dev.veil.attest.snp.TestAmdPki.ARK;
import static dev.veil.attest.snp.TestAmdPki.ARK_DN;
import static dev.veil.attest.snp.TestAmdPki.ARK_KEY;
import static dev.veil.attest.snp.TestAmdPki.ASK;
import static dev.veil.attest.snp.TestAmdPki.ASK_DN;
import static dev.veil.attest.snp.TestAmdPki.ASK_KEY;
import static dev.veil.attest.snp.TestAmdPki.AT;
import static dev.veil.attest.snp.TestAmdPki.CHIP;
import static dev.veil.attest.snp.TestAmdPki.VCEK_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Claims;
import dev.veil.attest.VerificationOptions;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;

/**
 * The SNP chain and the VCEK profile, on a test AMD PKI whose keys we hold: each test changes one property of an
 * otherwise genuine chain or report, and each is accepted by a verifier that lacks the check it names.
 */
class SnpChainProfileTest {
    private final SnpEvidenceVerifier verifier = TestAmdPki.verifier();

    private Claims verify(byte[] report, byte[] vcek) throws AttestationException {
        return verifier.verify(report, new VerificationOptions(AT, List.of(vcek)));
    }

    @Test
    void genuineTestChainVerifiesAndSaysTheCrlIsMissing() throws Exception {
        Claims c = verify(TestAmdPki.report(), new TestAmdPki.Vcek().der());
        assertThat(c.byName()).containsEntry("product", "Milan").containsEntry("vmpl", "0")
                .containsEntry("collateral_missing", "amd_crl").containsEntry("chip_id_masked", "false");
    }

    @Test
    void intermediateThatIsNotACaCannotIssueAVcek() {
        var leafAsk = new TestAmdPki.Vcek();
        X509Certificate ask = new JcaLeaf(ARK_DN, ASK_DN, ASK_KEY, ARK_KEY.getPrivate()).build();
        SnpEvidenceVerifier v = TestAmdPki.verifier(ARK, ask);
        assertThatThrownBy(() -> v.verify(TestAmdPki.report(), new VerificationOptions(AT, List.of(leafAsk.der()))))
                .hasMessageContaining("ASK (SEV-Milan) certificate basicConstraints is not a CA");
    }

    @Test
    void intermediateWithoutKeyCertSignCannotIssueAVcek() {
        X509Certificate ask = TestAmdPki.ca(ARK_DN, ASK_DN, ASK_KEY.getPublic(), ARK_KEY.getPrivate(), 2, 0, KeyUsage.digitalSignature);
        SnpEvidenceVerifier v = TestAmdPki.verifier(ARK, ask);
        assertThatThrownBy(() -> v.verify(TestAmdPki.report(), new VerificationOptions(AT, List.of(new TestAmdPki.Vcek().der()))))
                .hasMessageContaining("ASK (SEV-Milan) certificate keyUsage is without keyCertSign");
    }

    @Test
    void rootThatIsNotACaIsRefused() {
        X509Certificate ark = new JcaLeaf(ARK_DN, ARK_DN, ARK_KEY, ARK_KEY.getPrivate()).build();
        SnpEvidenceVerifier v = TestAmdPki.verifier(ark, ASK);
        assertThatThrownBy(() -> v.verify(TestAmdPki.report(), new VerificationOptions(AT, List.of(new TestAmdPki.Vcek().der()))))
                .hasMessageContaining("ARK-Milan (self-signed) certificate basicConstraints is not a CA");
    }

    @Test
    void intermediateNotSignedByTheArkIsRefused() {
        X509Certificate ask = TestAmdPki.ca(ARK_DN, ASK_DN, ASK_KEY.getPublic(), TestAmdPki.rsa().getPrivate(), 2, 0, KeyUsage.keyCertSign);
        SnpEvidenceVerifier v = TestAmdPki.verifier(ARK, ask);
        assertThatThrownBy(() -> v.verify(TestAmdPki.report(), new VerificationOptions(AT, List.of(new TestAmdPki.Vcek().der()))))
                .hasMessageContaining("ASK (SEV-Milan) certificate signature is invalid: does not verify with the ARK-Milan key");
    }

    @Test
    void version1CertificateIsNotAVcek() throws Exception {
        var b = new org.bouncycastle.cert.jcajce.JcaX509v1CertificateBuilder(ASK_DN, java.math.BigInteger.ZERO,
                java.util.Date.from(TestAmdPki.FROM), java.util.Date.from(TestAmdPki.TO), TestAmdPki.VCEK_DN, VCEK_KEY.getPublic());
        byte[] v1 = new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter()
                .getCertificate(b.build(TestAmdPki.signer(TestAmdPki.PSS, ASK_KEY.getPrivate()))).getEncoded();
        assertThatThrownBy(() -> verify(TestAmdPki.report(), v1)).hasMessageContaining("VCEK certificate version is 1, expected 3");
    }

    @Test
    void cpuidOfAnotherProductLineIsRefused() {
        byte[] turinCpu = TestAmdPki.report(VCEK_KEY.getPrivate(), 0, CHIP, 0, 0x1A);
        assertThatThrownBy(() -> verify(turinCpu, new TestAmdPki.Vcek().der())).hasMessageContaining("SNP report CPUID family is 0x1A");
    }

    @Test
    void vcekWithoutAnSplExtensionIsRefused() {
        var vcek = new TestAmdPki.Vcek();
        vcek.omittedExtension = VcekExtensions.SNP_SPL;
        assertThatThrownBy(() -> verify(TestAmdPki.report(), vcek.der()))
                .hasMessageContaining("VCEK certificate SNP SPL extension is missing");
    }

    @Test
    void caCertificateCannotBeTheReportSigningKey() {
        var vcek = new TestAmdPki.Vcek();
        vcek.basicConstraints = new BasicConstraints(true);
        assertThatThrownBy(() -> verify(TestAmdPki.report(), vcek.der())).hasMessageContaining("path length constraint");
        SnpEvidenceVerifier unlimitedAsk = TestAmdPki.verifier(ARK,
                TestAmdPki.ca(ARK_DN, ASK_DN, ASK_KEY.getPublic(), ARK_KEY.getPrivate(), 2, null, KeyUsage.keyCertSign));
        assertThatThrownBy(() -> unlimitedAsk.verify(TestAmdPki.report(), new VerificationOptions(AT, List.of(vcek.der()))))
                .hasMessageContaining("VCEK certificate basicConstraints is cA=TRUE");
    }

    @Test
    void vcekWhoseKeyUsageExcludesDigitalSignatureIsRefused() {
        var vcek = new TestAmdPki.Vcek();
        vcek.keyUsage = new KeyUsage(KeyUsage.keyAgreement);
        assertThatThrownBy(() -> verify(TestAmdPki.report(), vcek.der())).hasMessageContaining("VCEK certificate keyUsage is without digitalSignature");
    }

    @Test
    void vcekSignedWithPkcs1InsteadOfPssIsRefused() {
        var vcek = new TestAmdPki.Vcek();
        vcek.algorithm = "SHA384withRSA";
        assertThatThrownBy(() -> verify(TestAmdPki.report(), vcek.der()))
                .hasMessageContaining("VCEK certificate signature algorithm is SHA384withRSA");
    }

    @Test
    void vcekSignedWithPssOverSha256IsRefused() {
        var vcek = new TestAmdPki.Vcek();
        vcek.algorithm = "SHA256withRSAandMGF1";
        assertThatThrownBy(() -> verify(TestAmdPki.report(), vcek.der()))
                .hasMessageContaining("VCEK certificate RSASSA-PSS parameters");
    }

    @Test
    void vcekWithAP256KeyIsRefused() {
        var vcek = new TestAmdPki.Vcek();
        vcek.key = TestAmdPki.ec("secp256r1").getPublic();
        assertThatThrownBy(() -> verify(TestAmdPki.report(), vcek.der())).hasMessageContaining("VCEK certificate public key is EC, expected EC P-384");
    }

    @Test
    void vcekWhoseIssuerNameIsNotTheAskIsRefused() {
        var vcek = new TestAmdPki.Vcek();
        vcek.issuer = new X500Name("CN=SEV-Genoa,O=Test AMD,C=US");
        assertThatThrownBy(() -> verify(TestAmdPki.report(), vcek.der())).hasMessageContaining("VCEK certificate issuer is");
    }

    @Test
    void vcekWithoutProductNameIsRefused() {
        var vcek = new TestAmdPki.Vcek();
        vcek.product = null;
        assertThatThrownBy(() -> verify(TestAmdPki.report(), vcek.der()))
                .hasMessageContaining("VCEK certificate product name (1.3.6.1.4.1.3704.1.2) is absent");
    }

    @Test
    void vcekNamingAnotherProductIsRefused() {
        for (String other : List.of("Genoa-B1", "Milanese", "Milan-", "Milan-B0x", "milan-B0")) {
            var vcek = new TestAmdPki.Vcek();
            vcek.product = other;
            assertThatThrownBy(() -> verify(TestAmdPki.report(), vcek.der())).as(other)
                    .hasMessageContaining("VCEK certificate product name");
        }
        var bare = new TestAmdPki.Vcek();
        bare.product = "Milan";
        org.assertj.core.api.Assertions.assertThatCode(() -> verify(TestAmdPki.report(), bare.der())).doesNotThrowAnyException();
    }

    @Test
    void reportClaimingMaskChipKeyCannotSkipTheHardwareIdBinding() {
        byte[] otherChip = TestAmdPki.filled(64, 0x77);
        byte[] masked = TestAmdPki.report(VCEK_KEY.getPrivate(), SnpReport.KEY_INFO_MASK_CHIP_KEY, otherChip, 0);
        assertThatThrownBy(() -> verify(masked, new TestAmdPki.Vcek().der()))
                .hasMessageContaining("SNP report MASK_CHIP_KEY (0x48 bit 1) is 1");
    }

    @Test
    void realReportWithMaskChipKeySetIsRefusedBeforeItsSignature() {
        byte[] real = dev.veil.attest.Vectors.read("sev-snp/virtee-milan-report.bin");
        real[0x48] |= SnpReport.KEY_INFO_MASK_CHIP_KEY;
        assertThatThrownBy(() -> new SnpEvidenceVerifier().verify(real, new VerificationOptions(AT,
                List.of(dev.veil.attest.Vectors.read("sev-snp/virtee-milan-vcek.der")))))
                .hasMessageContaining("MASK_CHIP_KEY");
    }

    @Test
    void maskedChipIdIsBoundByTheVcekSignatureAndSaysSo() throws Exception {
        Claims c = verify(TestAmdPki.report(VCEK_KEY.getPrivate(), 0, new byte[64], 0), new TestAmdPki.Vcek().der());
        assertThat(c.byName()).containsEntry("chip_id_masked", "true").containsEntry("chip_id", "00".repeat(64))
                .containsEntry("vcek_hw_id", HexFormat.of().formatHex(CHIP));
    }

    @Test
    void maskedChipIdDoesNotLetAnotherChipsKeySign() {
        var otherChipsVcek = new TestAmdPki.Vcek();
        otherChipsVcek.key = TestAmdPki.p384().getPublic();
        otherChipsVcek.hwId = TestAmdPki.filled(64, 0x77);
        assertThatThrownBy(() -> verify(TestAmdPki.report(VCEK_KEY.getPrivate(), 0, new byte[64], 0), otherChipsVcek.der()))
                .hasMessageContaining("SNP report signature is invalid");
    }

    @Test
    void reservedKeyInfoBitsAreRefused() {
        byte[] r = TestAmdPki.report(VCEK_KEY.getPrivate(), 1 << 5, CHIP, 0);
        assertThatThrownBy(() -> SnpReport.parse(r)).hasMessageContaining("key-info bits 31:5");
    }

    @Test
    void vmplIsReportedAsTheReportStatesIt() throws Exception {
        for (int vmpl = 0; vmpl <= 3; vmpl++) {
            Claims c = verify(TestAmdPki.report(VCEK_KEY.getPrivate(), 0, CHIP, vmpl), new TestAmdPki.Vcek().der());
            assertThat(c.byName()).containsEntry("vmpl", Integer.toString(vmpl));
        }
        assertThatThrownBy(() -> SnpReport.parse(TestAmdPki.report(VCEK_KEY.getPrivate(), 0, CHIP, 4)))
                .hasMessageContaining("SNP report VMPL is 4");
    }

    /** A certificate with no basicConstraints and no keyUsage: an end-entity, whatever its name says. */
    private record JcaLeaf(X500Name issuer, X500Name subject, java.security.KeyPair key, java.security.PrivateKey signer) {
        X509Certificate build() {
            try {
                var b = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(issuer, java.math.BigInteger.TEN,
                        java.util.Date.from(TestAmdPki.FROM), java.util.Date.from(TestAmdPki.TO), subject, key.getPublic());
                return new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(
                        b.build(TestAmdPki.signer(TestAmdPki.PSS, signer)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
