package dev.veil.attest.dcap;

import static dev.veil.attest.dcap.RevokedPckTest.cert;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Finding 2 of the issue 6 review, each half alone: a certificate whose issuer name is not its signer's subject is
 * refused for that, with no CRL involved; and a CRL entry matches on the serial alone, as in Intel's QVL, even when
 * the entry names another certificate issuer (which the JDK's {@code X509CRL#isRevoked} honours and so misses).
 */
class IssuerNameCheckTest {
    TestPki pki;

    @BeforeEach
    void setUp() throws Exception {
        pki = new TestPki();
    }

    @Test
    void pckAndPckCaNamingAnotherIssuerAreRefusedWithoutAnyCrl() throws Exception {
        X509Certificate pck = cert("CN=Intel SGX PCK Processor CA", "CN=Intel SGX PCK Certificate", pki.pck.getPublic(), pki.ca.getPrivate(), 3, true);
        byte[] misnamedPck = new TestQuote(pki.attestation, pki.pck.getPrivate(), List.of(pck, pki.caCert, pki.rootCert)).build();
        assertThatThrownBy(() -> pki.verify(Platform.SGX, misnamedPck, List.of(), List.of()))
                .hasMessageContaining("PCK certificate issuer name is CN=Intel SGX PCK Processor CA, expected CN=Intel SGX PCK Platform CA");
        X509Certificate ca = cert("CN=Intel SGX Root CA,O=Elsewhere", TestPki.CA, pki.ca.getPublic(), pki.root.getPrivate(), 2, false);
        byte[] misnamedCa = new TestQuote(pki.attestation, pki.pck.getPrivate(), List.of(pki.pckCert, ca, pki.rootCert)).build();
        assertThatThrownBy(() -> pki.verify(Platform.SGX, misnamedCa, List.of(), List.of()))
                .hasMessageContaining("Intel SGX PCK Platform CA certificate issuer name is O=Elsewhere,CN=Intel SGX Root CA");
    }

    @Test
    void tcbSignerNamingAnotherIssuerIsRefusedWithoutAnyCrl() throws Exception {
        X509Certificate signer = cert("CN=Intel SGX Root CA,O=Elsewhere", "CN=Intel SGX TCB Signing", pki.tcbSigning.getPublic(),
                pki.root.getPrivate(), 4, false);
        byte[] info = pki.signed("tcbInfo", TestPki.sgxTcbInfo("UpToDate", 17, "2026-05-01T00:00:00Z"));
        assertThatThrownBy(() -> pki.verifier(Platform.SGX).verify(pki.quote().build(),
                new VerificationOptions(TestPki.AT, List.of(signer.getEncoded(), info))))
                .hasMessageContaining("Intel SGX TCB Signing certificate issuer name is O=Elsewhere,CN=Intel SGX Root CA");
    }

    /** The PCK CRL lists the PCK's serial in an entry that names another certificate issuer: still revoked, by serial. */
    @Test
    void crlEntryNamingAnotherCertificateIssuerStillRevokesBySerial() throws Exception {
        Instant from = Instant.parse("2026-05-01T00:00:00Z");
        X509v2CRLBuilder b = IntelStyleCrl.builder(TestPki.CA, pki.ca, from);
        b.setNextUpdate(Date.from(Instant.parse("2026-07-01T00:00:00Z")));
        Extension otherIssuer = new Extension(Extension.certificateIssuer, true,
                new GeneralNames(new GeneralName(new X500Name("CN=Intel SGX PCK Processor CA"))).getEncoded());
        b.addCRLEntry(pki.pckCert.getSerialNumber(), Date.from(from), new Extensions(new Extension[] {otherIssuer}));
        byte[] pckCrl = IntelStyleCrl.sign(b, pki.ca);
        assertThatThrownBy(() -> pki.verify(Platform.SGX, pki.quote().build(), List.of(pckCrl), List.of()))
                .hasMessageContaining("Intel SGX PCK Certificate certificate is revoked (serial 3 is on the Intel SGX PCK Platform CA CRL)");
    }
}
