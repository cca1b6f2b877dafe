package dev.veil.attest.dcap;

import static dev.veil.attest.dcap.RevokedPckTest.cert;
import static dev.veil.attest.dcap.RevokedPckTest.p256;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The PCK chain carried in the quote, on a test PKI: each link that is wrong in one way is refused by name. */
class PckChainTest {
    TestPki pki;

    @BeforeEach
    void setUp() throws Exception {
        pki = new TestPki();
    }

    void verify(List<X509Certificate> chain, Instant at) throws Exception {
        byte[] quote = new TestQuote(pki.attestation, pki.pck.getPrivate(), chain).build();
        pki.verifier(Platform.SGX).verify(quote, VerificationOptions.at(at));
    }

    @Test
    void chainWithoutThePckIsRefused() {
        assertThatThrownBy(() -> verify(List.of(pki.caCert, pki.rootCert), TestPki.AT))
                .hasMessageContaining("PCK certificate is absent from the quote's certification data");
    }

    @Test
    void pckCaThatDidNotSignThePckIsRefused() throws Exception {
        KeyPair other = p256();
        X509Certificate otherCa = cert(TestPki.ROOT, TestPki.CA, other.getPublic(), pki.root.getPrivate(), 2, false);
        assertThatThrownBy(() -> verify(List.of(pki.pckCert, otherCa, pki.rootCert), TestPki.AT))
                .hasMessageContaining("PCK certificate issuer is CN=Intel SGX PCK Platform CA, expected an Intel SGX PCK Platform/Processor CA certificate that signed it");
    }

    @Test
    void pckCaNotIssuedByTheTrustAnchorIsRefused() throws Exception {
        KeyPair rogueRoot = p256();
        X509Certificate rogueCa = cert(TestPki.ROOT, TestPki.CA, pki.ca.getPublic(), rogueRoot.getPrivate(), 2, false);
        assertThatThrownBy(() -> verify(List.of(pki.pckCert, rogueCa), TestPki.AT))
                .hasMessageContaining("Intel SGX PCK Platform CA certificate signature is invalid: does not verify with the pinned Intel SGX Root CA key");
    }

    /** A second "Intel SGX Root CA" in the chain is refused even though the chain also verifies to the anchor. */
    @Test
    void otherRootNamedLikeIntelsIsRefused() throws Exception {
        KeyPair rogueRoot = p256();
        X509Certificate rogue = cert(TestPki.ROOT, TestPki.ROOT, rogueRoot.getPublic(), rogueRoot.getPrivate(), 1, false);
        assertThatThrownBy(() -> verify(List.of(pki.pckCert, pki.caCert, rogue), TestPki.AT))
                .hasMessageContaining("PCK chain root is an 'Intel SGX Root CA' that is not the pinned one");
    }

    @Test
    void chainOutsideItsValidityIsRefused() {
        assertThatThrownBy(() -> verify(List.of(pki.pckCert, pki.caCert, pki.rootCert), Instant.parse("2027-06-01T00:00:00Z")))
                .hasMessageContaining("certificate validity at 2027-06-01T00:00:00Z");
    }
}
