package dev.veil.attest.dcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Finding 5 of the issue 6 review, beyond CrlScopeTest: why a genuine CRL is not counted is shown in the
 * {@code pck_crl} claim; an incomplete CRL in the verifier's collateral does not let the host's list stand in for it;
 * and the entries of a genuine incomplete CRL still revoke.
 */
class CrlCompletenessTest {
    TestPki pki;
    byte[] quote;

    @BeforeEach
    void setUp() throws Exception {
        pki = new TestPki();
        quote = pki.quote().build();
    }

    /** A delta PCK CRL by the test PCK CA, otherwise shaped like Intel's, listing {@code revoked}. */
    byte[] deltaPckCrl(BigInteger... revoked) throws Exception {
        X509v2CRLBuilder b = IntelStyleCrl.builder(TestPki.CA, pki.ca, Instant.parse("2026-05-01T00:00:00Z"), revoked);
        b.setNextUpdate(Date.from(Instant.parse("2026-07-01T00:00:00Z")));
        b.addExtension(Extension.deltaCRLIndicator, true, new CRLNumber(BigInteger.ONE));
        return IntelStyleCrl.sign(b, pki.ca);
    }

    @Test
    void crlNotCountedIsNamedWithTheReason() throws Exception {
        Claims c = pki.verify(Platform.SGX, quote, List.of(deltaPckCrl(), IntelStyleCrl.of(TestPki.ROOT, pki.root)), List.of());
        assertThat(c.byName()).containsEntry("collateral_missing", "tcb_info,qe_identity,pck_crl").containsEntry("pck_crl",
                "not revoked (Intel SGX Root CA CRL); not counted as complete: Intel SGX PCK Platform CA CRL is a delta CRL (only changes since a base CRL)");
        Claims bare = pki.verify(Platform.SGX, quote, List.of(pki.pckCrl()), List.of());
        assertThat(bare.byName()).containsEntry("pck_crl",
                "not checked (no complete CRL; not counted as complete: Intel SGX PCK Platform CA CRL has no CRL number)");
    }

    /** The verifier holds only a delta CRL; the host's complete CRL must not become the list in force. */
    @Test
    void incompleteTrustedCrlDoesNotHandTheListInForceToTheHost() throws Exception {
        Claims c = pki.verify(Platform.SGX, quote, List.of(deltaPckCrl()), List.of(IntelStyleCrl.of(TestPki.CA, pki.ca)));
        assertThat(c.byName().get("collateral_missing")).contains("pck_crl");
    }

    @Test
    void entriesOfAGenuineIncompleteCrlStillRevoke() throws Exception {
        byte[] delta = deltaPckCrl(pki.pckCert.getSerialNumber());
        assertThatThrownBy(() -> pki.verify(Platform.SGX, quote, List.of(IntelStyleCrl.of(TestPki.CA, pki.ca)), List.of(delta)))
                .hasMessageContaining("Intel SGX PCK Certificate certificate is revoked");
        assertThatThrownBy(() -> pki.verify(Platform.SGX, quote, List.of(delta), List.of()))
                .hasMessageContaining("Intel SGX PCK Certificate certificate is revoked");
    }
}
