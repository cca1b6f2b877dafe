package dev.veil.attest.snp;

import static dev.veil.attest.snp.TestAmdPki.ARK_DN;
import static dev.veil.attest.snp.TestAmdPki.ARK_KEY;
import static dev.veil.attest.snp.TestAmdPki.ASK;
import static dev.veil.attest.snp.TestAmdPki.ASK_DN;
import static dev.veil.attest.snp.TestAmdPki.AT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Claims;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.Vectors;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.junit.jupiter.api.Test;

/**
 * AMD's ARK-signed CRL, on CRLs from a test ARK (no genuine AMD CRL is in the public repositories searched; see
 * docs/checks/SNP.md): signature, window, revocation of the intermediate and (through an indirect entry) of the
 * VCEK, and which copy wins when the verifier and the host both supply one.
 */
class AmdCrlTest {
    private static final byte[] VCEK = new TestAmdPki.Vcek().der();
    private static final byte[] REPORT = TestAmdPki.report();
    private static final BigInteger ASK_SERIAL = ASK.getSerialNumber();
    private final SnpEvidenceVerifier verifier = TestAmdPki.verifier();

    private Claims verify(List<byte[]> trusted, List<byte[]> fromHost) throws Exception {
        List<byte[]> certs = new java.util.ArrayList<>(trusted);
        certs.add(VCEK);
        return verifier.verify(REPORT, new VerificationOptions(AT, certs, fromHost));
    }

    private static byte[] clean() {
        return TestAmdPki.arkCrl(List.of(), List.of());
    }

    private static byte[] revokingAsk() {
        return TestAmdPki.arkCrl(List.of(ASK_SERIAL), List.of());
    }

    @Test
    void realReportWithoutACrlReportsTheCrlAsMissingCollateral() throws Exception {
        Claims c = new SnpEvidenceVerifier().verify(Vectors.read("sev-snp/virtee-milan-report.bin"),
                new VerificationOptions(AT, List.of(Vectors.read("sev-snp/virtee-milan-vcek.der"))));
        assertThat(c.byName()).containsEntry("collateral_missing", "amd_crl");
    }

    @Test
    void currentCrlThatRevokesNothingLeavesNoCollateralMissing() throws Exception {
        assertThat(verify(List.of(clean()), List.of()).byName()).containsEntry("collateral_missing", "");
    }

    @Test
    void revokedAskIsRefused() {
        assertThatThrownBy(() -> verify(List.of(revokingAsk()), List.of()))
                .hasMessageContaining("ASK (SEV-Milan) certificate is revoked by AMD");
    }

    @Test
    void revokedVcekIsRefusedThroughAnIndirectEntry() {
        byte[] crl = TestAmdPki.arkCrl(List.of(), List.of(new TestAmdPki.IndirectEntry(ASK_DN, BigInteger.ZERO)));
        assertThatThrownBy(() -> verify(List.of(crl), List.of())).hasMessageContaining("VCEK certificate is revoked by AMD");
    }

    @Test
    void arkEntryForItsOwnSerialZeroDoesNotRevokeEveryVcek() throws Exception {
        // AMD's VCEKs all carry serial 0; an entry the ARK makes for a certificate it issued with serial 0 is not about them
        byte[] crl = TestAmdPki.arkCrl(List.of(BigInteger.ZERO), List.of());
        assertThat(verify(List.of(crl), List.of()).byName()).containsEntry("collateral_missing", "");
    }

    @Test
    void crlUnderTheArkNameButNotSignedByTheArkIsRefused() {
        byte[] forged = TestAmdPki.crl(ARK_DN, TestAmdPki.rsa().getPrivate(), AT.minusSeconds(60), AT.plusSeconds(86400), List.of(), List.of());
        assertThatThrownBy(() -> verify(List.of(forged), List.of())).hasMessageContaining("AMD CRL signature is invalid: does not verify with the pinned ARK-Milan");
    }

    @Test
    void crlWithAnUnknownCriticalExtensionIsRefused() throws Exception {
        var b = new org.bouncycastle.cert.X509v2CRLBuilder(ARK_DN, java.util.Date.from(AT.minusSeconds(60)));
        b.setNextUpdate(java.util.Date.from(AT.plusSeconds(86400)));
        b.addExtension(new org.bouncycastle.asn1.ASN1ObjectIdentifier("1.3.6.1.4.1.99999.1"), true, org.bouncycastle.asn1.DERNull.INSTANCE);
        byte[] crl = new org.bouncycastle.cert.jcajce.JcaX509CRLConverter()
                .getCRL(b.build(TestAmdPki.signer(TestAmdPki.PSS, ARK_KEY.getPrivate()))).getEncoded();
        assertThatThrownBy(() -> verify(List.of(crl), List.of())).hasMessageContaining("AMD CRL critical extensions");
    }

    @Test
    void arkWithoutCrlSignCannotVouchForACrl() {
        var arkNoCrlSign = TestAmdPki.ca(ARK_DN, ARK_DN, ARK_KEY.getPublic(), ARK_KEY.getPrivate(), 1, null,
                org.bouncycastle.asn1.x509.KeyUsage.keyCertSign);
        SnpEvidenceVerifier v = TestAmdPki.verifier(arkNoCrlSign, ASK);
        assertThatThrownBy(() -> v.verify(REPORT, new VerificationOptions(AT, List.of(clean(), VCEK))))
                .hasMessageContaining("ARK-Milan certificate keyUsage is without cRLSign");
    }

    @Test
    void expiredCrlIsRefused() {
        byte[] stale = TestAmdPki.crl(ARK_DN, ARK_KEY.getPrivate(), AT.minusSeconds(86400 * 30), AT.minusSeconds(86400), List.of(), List.of());
        assertThatThrownBy(() -> verify(List.of(stale), List.of())).hasMessageContaining("AMD CRL validity at " + AT);
    }

    @Test
    void crlNotYetIssuedAtTheVerificationTimeIsRefused() {
        byte[] future = TestAmdPki.crl(ARK_DN, ARK_KEY.getPrivate(), AT.plusSeconds(3600), AT.plusSeconds(86400 * 7), List.of(), List.of());
        assertThatThrownBy(() -> verify(List.of(future), List.of())).hasMessageContaining("AMD CRL validity at " + AT);
    }

    @Test
    void hostSuppliedCrlCannotOverrideTheVerifiersOwn() {
        byte[] newerClean = TestAmdPki.crl(ARK_DN, ARK_KEY.getPrivate(), AT.minusSeconds(60), AT.plusSeconds(86400), List.of(), List.of());
        assertThatThrownBy(() -> verify(List.of(revokingAsk()), List.of(newerClean))).hasMessageContaining("is revoked by AMD");
    }

    @Test
    void hostCannotStandInForTheVerifiersStaleCrl() {
        // the verifier's own copy decides; a current list from the host does not excuse the verifier's expired one
        byte[] staleTrusted = TestAmdPki.crl(ARK_DN, ARK_KEY.getPrivate(), AT.minusSeconds(86400 * 30), AT.minusSeconds(86400), List.of(), List.of());
        assertThatThrownBy(() -> verify(List.of(staleTrusted), List.of(clean()))).hasMessageContaining("AMD CRL validity at " + AT);
    }

    @Test
    void hostSuppliedCrlIsUsedWhenTheVerifierHasNone() throws Exception {
        assertThatThrownBy(() -> verify(List.of(), List.of(revokingAsk()))).hasMessageContaining("is revoked by AMD");
        assertThat(verify(List.of(), List.of(clean())).byName()).containsEntry("collateral_missing", "");
    }

    @Test
    void newerCleanListCannotOutvoteAnOlderGenuineRevocation() {
        byte[] older = TestAmdPki.crl(ARK_DN, ARK_KEY.getPrivate(), AT.minusSeconds(86400 * 3), AT.plusSeconds(86400), List.of(ASK_SERIAL), List.of());
        byte[] newerClean = TestAmdPki.crl(ARK_DN, ARK_KEY.getPrivate(), AT.minusSeconds(60), AT.plusSeconds(86400), List.of(), List.of());
        assertThatThrownBy(() -> verify(List.of(newerClean, older), List.of())).hasMessageContaining("is revoked by AMD");
    }

    @Test
    void olderGenuineCrlCannotShadowTheNewest() {
        byte[] older = TestAmdPki.crl(ARK_DN, ARK_KEY.getPrivate(), AT.minusSeconds(86400 * 3), AT.plusSeconds(86400), List.of(), List.of());
        assertThatThrownBy(() -> verify(List.of(older, revokingAsk()), List.of())).hasMessageContaining("is revoked by AMD");
        assertThatThrownBy(() -> verify(List.of(revokingAsk(), older), List.of())).hasMessageContaining("is revoked by AMD");
    }

    @Test
    void crlOfAnotherProductLineIsNotMistakenForThisOne() throws Exception {
        byte[] genoa = TestAmdPki.crl(new X500Name("CN=ARK-Genoa,O=Test AMD,C=US"), ARK_KEY.getPrivate(), AT.minusSeconds(60),
                AT.plusSeconds(86400), List.of(ASK_SERIAL), List.of());
        assertThat(verify(List.of(genoa), List.of()).byName()).containsEntry("collateral_missing", "amd_crl");
    }

    @Test
    void pemEncodedCrlIsRead() throws Exception {
        String pem = "-----BEGIN X509 CRL-----\n" + java.util.Base64.getMimeEncoder().encodeToString(revokingAsk())
                + "\n-----END X509 CRL-----\n";
        assertThatThrownBy(() -> verify(List.of(pem.getBytes(java.nio.charset.StandardCharsets.US_ASCII)), List.of()))
                .hasMessageContaining("is revoked by AMD");
    }

    @Test
    void crlWindowIsJudgedAtTheVerificationTimeNotTheClock() throws Exception {
        Instant later = AT.plusSeconds(86400 * 30);
        List<byte[]> col = List.of(clean(), VCEK);
        assertThatThrownBy(() -> verifier.verify(REPORT, new VerificationOptions(later, col))).hasMessageContaining("AMD CRL validity");
    }
}
