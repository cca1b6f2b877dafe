package dev.veil.attest.dcap;

import static dev.veil.attest.dcap.RevokedPckTest.cert;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Item 4 of issue 6, the checks Intel's Quote Verification Library makes that Veil lacked. Each quote or certificate
 * here is valid in every other respect (signed by a test PKI the test holds), so the check named is what refuses it.
 */
class IntelQuoteChecksTest {
    static final String INTEL_SIGNER = "00".repeat(48);
    TestPki pki;

    @BeforeEach
    void setUp() throws Exception {
        pki = new TestPki();
    }

    /** A TDX v4 quote from module version 1 (TEE_TCB_SVN[1]), isvsvn 3, signed by Intel (MRSIGNERSEAM 0). */
    TestQuote tdQuote() {
        TestQuote q = pki.quote().tdx(4);
        q.teeTcbSvn[0] = 3;
        q.teeTcbSvn[1] = 1;
        return q;
    }

    Claims verifyTdx(TestQuote quote, String tcbInfo) throws Exception {
        return pki.verify(Platform.TDX, quote.build(), List.of(pki.signed("tcbInfo", tcbInfo)), List.of());
    }

    @Test
    void tdxQuoteFromIntelsModuleVerifies() throws Exception {
        assertThat(verifyTdx(tdQuote(), TestPki.tdxTcbInfo(INTEL_SIGNER, "UpToDate")).byName())
                .containsEntry("tcb_status", "UpToDate").containsEntry("tdx_module", "TDX_01 isvsvn 3: UpToDate");
        TestQuote v5 = tdQuote();
        v5.version = 5;
        assertThat(verifyTdx(v5, TestPki.tdxTcbInfo(INTEL_SIGNER, "OutOfDate")).byName()).containsEntry("tcb_status", "OutOfDate");
    }

    @Test
    void tdxModuleSignedBySomeoneElseIsRefused() {
        TestQuote q = tdQuote();
        q.mrSignerSeam[0] = 1;
        assertThatThrownBy(() -> verifyTdx(q, TestPki.tdxTcbInfo(INTEL_SIGNER, "UpToDate")))
                .hasMessageContaining("MRSIGNERSEAM is 01" + "00".repeat(47) + ", expected " + INTEL_SIGNER + " (TCB Info TDX_01 mrsigner)");
    }

    /** Module version 0 has no identity entry; its signer is still checked, against tdxModule. */
    @Test
    void tdxModuleVersionZeroSignedBySomeoneElseIsRefused() {
        TestQuote q = tdQuote();
        q.teeTcbSvn[1] = 0;
        q.mrSignerSeam[47] = 7;
        assertThatThrownBy(() -> verifyTdx(q, TestPki.tdxTcbInfo(INTEL_SIGNER, "UpToDate")))
                .hasMessageContaining("(TCB Info tdxModule mrsigner)");
    }

    @Test
    void seamAttributesOutsideTheTcbInfoAreRefused() {
        TestQuote q = tdQuote();
        q.seamAttributes[7] = (byte) 0x80;
        assertThatThrownBy(() -> verifyTdx(q, TestPki.tdxTcbInfo(INTEL_SIGNER, "UpToDate")))
                .hasMessageContaining("SEAMATTRIBUTES is 0000000000000080, expected 0000000000000000 under mask ffffffffffffffff");
    }

    /** A module version TCB Info has no identity for is not "mismatched but passing": it is refused. */
    @Test
    void tdxModuleVersionWithoutIdentityIsRefused() {
        TestQuote q = tdQuote();
        q.teeTcbSvn[1] = 3;
        assertThatThrownBy(() -> verifyTdx(q, TestPki.tdxTcbInfo(INTEL_SIGNER, "UpToDate")))
                .hasMessageContaining("TDX module identity TDX_03 is absent from the TCB Info");
    }

    @Test
    void quoteFromAnotherVendorsQuotingEnclaveIsRefused() {
        TestQuote q = pki.quote();
        q.vendor = new byte[16];
        assertThatThrownBy(() -> pki.verify(Platform.SGX, q.build(), List.of(), List.of()))
                .hasMessageContaining("quote QE vendor id is " + "00".repeat(16) + ", expected 939a7233f79c4ca9940a0db3957f0607");
    }

    @Test
    void versionThreeQuoteClaimingTdxIsRefused() {
        TestQuote q = tdQuote();
        q.version = 3;
        assertThatThrownBy(() -> pki.verify(Platform.TDX, q.build(), List.of(), List.of()))
                .hasMessageContaining("quote v3 TEE type is 0x00000081, expected 0x00000000 (version 3 quotes are SGX only)");
    }

    /** A PPID (type 1) instead of the PCK chain: the PCK would have to come from elsewhere, so the quote is refused. */
    @Test
    void qeCertifiedByPpidInsteadOfThePckChainIsRefused() throws Exception {
        TestQuote q = pki.quote();
        q.certType = 1;
        assertThatThrownBy(() -> pki.verify(Platform.SGX, q.build(), List.of(pki.pckCert.getEncoded(), pki.caCert.getEncoded()), List.of()))
                .hasMessageContaining("quote certification data type is 1, expected 5 (the PCK certificate chain)");
    }

    @Test
    void v4QeReportCertifiedByAnythingButThePckChainIsRefused() throws Exception {
        TestQuote q = tdQuote();
        q.certType = 4;
        assertThatThrownBy(() -> pki.verify(Platform.TDX, q.build(), List.of(pki.pckCert.getEncoded()), List.of()))
                .hasMessageContaining("quote QE report certification data type is 4, expected 5");
    }

    @Test
    void v4QuoteWithoutQeReportCertificationDataIsRefused() {
        TestQuote q = tdQuote();
        q.outerType = 5;
        assertThatThrownBy(() -> pki.verify(Platform.TDX, q.build(), List.of(), List.of()))
                .hasMessageContaining("quote certification data type is 5, expected 6 (QE report certification data)");
    }

    @Test
    void tcbSigningCertificateRevokedByTheRootCaIsRefused() throws Exception {
        byte[] quote = pki.quote().build();
        byte[] info = pki.signed("tcbInfo", TestPki.sgxTcbInfo("UpToDate", 17, "2026-05-01T00:00:00Z"));
        assertThat(pki.verify(Platform.SGX, quote, List.of(info, pki.rootCrl()), List.of()).byName()).containsEntry("tcb_status", "UpToDate");
        assertThatThrownBy(() -> pki.verify(Platform.SGX, quote, List.of(info, pki.rootCrl(pki.signingCert.getSerialNumber())), List.of()))
                .hasMessageContaining("Intel SGX TCB Signing certificate is revoked (serial 4 is on the Intel SGX Root CA CRL)");
    }

    /** A PCK certificate that is itself a CA could mint PCKs for platforms that do not exist. */
    @Test
    void pckCertificateThatIsACaIsRefused() throws Exception {
        X509Certificate pckAsCa = cert(TestPki.CA, "CN=Intel SGX PCK Certificate", pki.pck.getPublic(), pki.ca.getPrivate(), 3, true, true,
                KeyUsage.digitalSignature | KeyUsage.keyCertSign);
        byte[] quote = new TestQuote(pki.attestation, pki.pck.getPrivate(), List.of(pckAsCa, pki.caCert, pki.rootCert)).build();
        assertThatThrownBy(() -> pki.verifier(Platform.SGX).verify(quote, VerificationOptions.at(TestPki.AT)))
                .hasMessageContaining("PCK certificate basicConstraints is CA:TRUE, expected CA:FALSE (an end entity)");
    }

    @Test
    void pckCertificateWithoutDigitalSignatureIsRefused() throws Exception {
        X509Certificate pck = cert(TestPki.CA, "CN=Intel SGX PCK Certificate", pki.pck.getPublic(), pki.ca.getPrivate(), 3, true, false,
                KeyUsage.keyAgreement);
        byte[] quote = new TestQuote(pki.attestation, pki.pck.getPrivate(), List.of(pck, pki.caCert, pki.rootCert)).build();
        assertThatThrownBy(() -> pki.verifier(Platform.SGX).verify(quote, VerificationOptions.at(TestPki.AT)))
                .hasMessageContaining("PCK certificate keyUsage is keyAgreement, expected digitalSignature");
    }

    @Test
    void pckCaThatIsNotACaIsRefused() throws Exception {
        X509Certificate notCa = cert(TestPki.ROOT, TestPki.CA, pki.ca.getPublic(), pki.root.getPrivate(), 2, false, false,
                KeyUsage.digitalSignature);
        byte[] quote = new TestQuote(pki.attestation, pki.pck.getPrivate(), List.of(pki.pckCert, notCa, pki.rootCert)).build();
        assertThatThrownBy(() -> pki.verifier(Platform.SGX).verify(quote, VerificationOptions.at(TestPki.AT)))
                .hasMessageContaining("Intel SGX PCK Platform CA certificate basicConstraints is not a CA, expected CA:TRUE");
    }

    @Test
    void tcbSigningCertificateThatIsACaIsRefused() throws Exception {
        X509Certificate signerAsCa = cert(TestPki.ROOT, "CN=Intel SGX TCB Signing", pki.tcbSigning.getPublic(), pki.root.getPrivate(), 4, false,
                true, KeyUsage.digitalSignature | KeyUsage.keyCertSign);
        byte[] info = pki.signed("tcbInfo", TestPki.sgxTcbInfo("UpToDate", 17, "2026-05-01T00:00:00Z"));
        assertThatThrownBy(() -> pki.verifier(Platform.SGX).verify(pki.quote().build(),
                new VerificationOptions(TestPki.AT, List.of(signerAsCa.getEncoded(), info))))
                .hasMessageContaining("Intel SGX TCB Signing certificate basicConstraints is CA:TRUE");
    }

    @Test
    void tcbSigningCertificateOutsideItsValidityIsRefused() throws Exception {
        var b = new JcaX509v3CertificateBuilder(new X500Name(TestPki.ROOT), BigInteger.valueOf(5), Date.from(Instant.parse("2025-01-01T00:00:00Z")),
                Date.from(Instant.parse("2026-02-01T00:00:00Z")), new X500Name("CN=Intel SGX TCB Signing"), pki.tcbSigning.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        X509Certificate expired = new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pki.root.getPrivate())));
        byte[] info = pki.signed("tcbInfo", TestPki.sgxTcbInfo("UpToDate", 17, "2026-05-01T00:00:00Z"));
        assertThatThrownBy(() -> pki.verifier(Platform.SGX).verify(pki.quote().build(),
                new VerificationOptions(TestPki.AT, List.of(expired.getEncoded(), info))))
                .hasMessageContaining("Intel SGX TCB Signing certificate validity at 2026-06-01T00:00:00Z is 2025-01-01T00:00:00Z .. 2026-02-01T00:00:00Z");
    }
}
