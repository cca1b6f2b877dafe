package dev.veil.attest.dcap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Platform;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.IssuingDistributionPoint;
import org.bouncycastle.asn1.x509.ReasonFlags;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Review of issue 6 item 4 and of {@code collateral_missing} (attack): a CRL signed by the PCK CA counts as "the PCK
 * CRL in force" whatever it is. A delta CRL (only what changed since a base), a CRL scoped to CA certificates or to
 * some reasons by its issuing distribution point, or a CRL with a critical extension the verifier does not know
 * (RFC 5280 §5.2, §6.3.3: such a CRL must not be used) does not say a PCK is not revoked, yet the claim reports the
 * PCK CRL as present and checked, so the default policy (which refuses missing collateral) is satisfied. Intel's QVL
 * also requires the CRL number and authority key identifier extensions (PckCrlVerifier, CRL_REQUIRED_EXTENSIONS).
 */
class CrlScopeTest {
    static final Instant TO = Instant.parse("2026-07-01T00:00:00Z");
    TestPki pki;
    byte[] quote;

    @BeforeEach
    void setUp() throws Exception {
        pki = new TestPki();
        quote = pki.quote().build();
    }

    /**
     * A PCK CRL by the test PCK CA listing nothing, with the extensions Intel's CRLs carry (CRL number, authority key
     * identifier), so only {@code extension} (critical or not) sets it apart.
     */
    byte[] pckCrlWith(ASN1ObjectIdentifier oid, boolean critical, ASN1Encodable value) throws Exception {
        X509v2CRLBuilder b = IntelStyleCrl.builder(TestPki.CA, pki.ca, Instant.parse("2026-05-01T00:00:00Z"));
        b.setNextUpdate(Date.from(TO));
        b.addExtension(oid, critical, value);
        return IntelStyleCrl.sign(b, pki.ca);
    }

    /** "refused", or the {@code collateral_missing} claim when the quote is verified with {@code pckCrl} as the only CRL. */
    String missingWith(byte[] pckCrl) throws Exception {
        try {
            return pki.verify(Platform.SGX, quote, List.of(pckCrl), List.of()).byName().get("collateral_missing");
        } catch (AttestationException e) {
            return "refused";
        }
    }

    @Test
    void deltaCrlIsNotReportedAsTheCompletePckCrl() throws Exception {
        byte[] delta = pckCrlWith(Extension.deltaCRLIndicator, true, new CRLNumber(BigInteger.ONE));
        assertThat(missingWith(delta)).satisfiesAnyOf(m -> assertThat(m).isEqualTo("refused"), m -> assertThat(m).contains("pck_crl"));
    }

    @Test
    void crlScopedToCaCertificatesIsNotReportedAsCoveringThePck() throws Exception {
        byte[] caOnly = pckCrlWith(Extension.issuingDistributionPoint, true, new IssuingDistributionPoint(null, false, true, null, false, false));
        assertThat(missingWith(caOnly)).satisfiesAnyOf(m -> assertThat(m).isEqualTo("refused"), m -> assertThat(m).contains("pck_crl"));
        byte[] someReasons = pckCrlWith(Extension.issuingDistributionPoint, true,
                new IssuingDistributionPoint(null, false, false, new ReasonFlags(ReasonFlags.superseded), false, false));
        assertThat(missingWith(someReasons)).satisfiesAnyOf(m -> assertThat(m).isEqualTo("refused"), m -> assertThat(m).contains("pck_crl"));
    }

    @Test
    void crlWithAnUnknownCriticalExtensionIsNotUsed() throws Exception {
        byte[] unknown = pckCrlWith(new ASN1ObjectIdentifier("1.3.6.1.4.1.55555.1"), true, DERNull.INSTANCE);
        assertThat(missingWith(unknown)).satisfiesAnyOf(m -> assertThat(m).isEqualTo("refused"), m -> assertThat(m).contains("pck_crl"));
    }

    /**
     * A CRL without nextUpdate (RFC 5280 requires it of conforming CAs) is taken as in force for ever: a genuine list
     * from years before the verification time satisfies {@code collateral_missing}. QVL refuses a CRL without nextUpdate
     * (PckParser getValidity throws a FormatException).
     */
    @Test
    void crlWithoutNextUpdateIsNotInForceForever() throws Exception {
        byte[] ancient = IntelStyleCrl.sign(IntelStyleCrl.builder(TestPki.CA, pki.ca, Instant.parse("2020-01-01T00:00:00Z")), pki.ca);
        assertThat(missingWith(ancient)).satisfiesAnyOf(m -> assertThat(m).isEqualTo("refused"), m -> assertThat(m).contains("pck_crl"));
    }

    /** QVL refuses a CRL without the CRL number and authority key identifier; every CRL Intel issues has both. */
    @Test
    void crlWithoutTheExtensionsIntelRequiresIsNotUsed() throws Exception {
        assertThat(missingWith(pki.pckCrl())).satisfiesAnyOf(m -> assertThat(m).isEqualTo("refused"), m -> assertThat(m).contains("pck_crl"));
    }
}
