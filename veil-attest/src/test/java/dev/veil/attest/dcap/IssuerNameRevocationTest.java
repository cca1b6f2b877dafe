package dev.veil.attest.dcap;

import static dev.veil.attest.dcap.RevokedPckTest.cert;
import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Review of issue 6 item 4 (attack): certificates are linked by signature only, never by name, while the JDK's
 * {@code X509CRL#isRevoked} matches a CRL entry on the certificate's issuer name and serial. A certificate whose
 * issuer name is not its signer's subject therefore passes the chain and is never found on its signer's CRL, though
 * that CRL lists its serial. Intel's QVL refuses such chains (PckCertVerifier::verifyPCKCert, CommonVerifier::
 * verifyIntermediate, TCBSigningChain::verifyTCBCert compare issuer and subject) and matches CRL entries on the
 * serial alone (CrlStore::isRevoked). Each certificate here is signed by the right key of the test PKI.
 */
class IssuerNameRevocationTest {
    TestPki pki;

    /** The refusal's message, or what was accepted: the check must refuse for revocation or for the issuer name. */
    static String refusal(UnreadableTrustedCollateralTest.Verification v) throws Exception {
        try {
            return "accepted with tcb_status " + v.run().byName().get("tcb_status");
        } catch (AttestationException e) {
            return e.getMessage();
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        pki = new TestPki();
    }

    /** A PCK signed by the Platform CA but naming the Processor CA as issuer; the Platform CA's CRL lists its serial. */
    @Test
    void pckNamingAnotherIssuerThanItsSigningCaEscapesThePckCrl() throws Exception {
        X509Certificate pck = cert("CN=Intel SGX PCK Processor CA", "CN=Intel SGX PCK Certificate", pki.pck.getPublic(), pki.ca.getPrivate(), 3, true);
        byte[] quote = new TestQuote(pki.attestation, pki.pck.getPrivate(), List.of(pck, pki.caCert, pki.rootCert)).build();
        byte[] pckCrl = IntelStyleCrl.of(TestPki.CA, pki.ca, BigInteger.valueOf(3));
        assertThat(refusal(() -> pki.verify(Platform.SGX, quote, List.of(pckCrl, IntelStyleCrl.of(TestPki.ROOT, pki.root)), List.of()))).containsAnyOf("revoked", "issuer");
    }

    /** A PCK CA signed by the root key but naming another issuer; the Root CA CRL lists its serial. */
    @Test
    void pckCaNamingAnotherIssuerThanTheRootEscapesTheRootCaCrl() throws Exception {
        X509Certificate ca = cert("CN=Intel SGX Root CA,O=Elsewhere", TestPki.CA, pki.ca.getPublic(), pki.root.getPrivate(), 2, false);
        byte[] quote = new TestQuote(pki.attestation, pki.pck.getPrivate(), List.of(pki.pckCert, ca, pki.rootCert)).build();
        byte[] rootCrl = IntelStyleCrl.of(TestPki.ROOT, pki.root, BigInteger.valueOf(2));
        assertThat(refusal(() -> pki.verify(Platform.SGX, quote, List.of(rootCrl, IntelStyleCrl.of(TestPki.CA, pki.ca)), List.of()))).containsAnyOf("revoked", "issuer");
    }

    /** A TCB Signing certificate signed by the root key but naming another issuer, revoked on the Root CA CRL, still signs TCB Info. */
    @Test
    void tcbSignerNamingAnotherIssuerThanTheRootEscapesTheRootCaCrl() throws Exception {
        X509Certificate signer = cert("CN=Intel SGX Root CA,O=Elsewhere", "CN=Intel SGX TCB Signing", pki.tcbSigning.getPublic(),
                pki.root.getPrivate(), 4, false);
        byte[] info = pki.signed("tcbInfo", TestPki.sgxTcbInfo("UpToDate", 17, "2026-05-01T00:00:00Z"));
        byte[] rootCrl = IntelStyleCrl.of(TestPki.ROOT, pki.root, BigInteger.valueOf(4));
        assertThat(refusal(() -> pki.verifier(Platform.SGX).verify(pki.quote().build(),
                new VerificationOptions(TestPki.AT, List.of(signer.getEncoded(), info, rootCrl, IntelStyleCrl.of(TestPki.CA, pki.ca)))))).containsAnyOf("revoked", "issuer");
    }
}
