package dev.veil.attest.dcap;

import java.security.cert.X509CRL;
import java.util.Optional;
import java.util.Set;

/**
 * Whether a CRL can stand as the complete list of its issuer's revocations, as Intel issues its PCK and Root CA CRLs
 * (Intel SGX PCK Certificate and CRL Profile; QVL PckCrlVerifier CRL_REQUIRED_EXTENSIONS, PckParser getValidity):
 * not a delta CRL, not scoped by an issuing distribution point (to CA certificates, some reasons, one partition), no
 * critical extension Veil does not understand (RFC 5280 §5.2: such a CRL must not be used), and with nextUpdate, a CRL
 * number and an authority key identifier. Any other CRL, though genuine, does not say that a certificate it omits is
 * not revoked; its entries still revoke what they list.
 */
final class IntelCrlProfile {
    private static final String CRL_NUMBER = "2.5.29.20";
    private static final String DELTA_CRL_INDICATOR = "2.5.29.27";
    private static final String ISSUING_DISTRIBUTION_POINT = "2.5.29.28";
    private static final String AUTHORITY_KEY_IDENTIFIER = "2.5.29.35";
    /** Critical extensions whose meaning is taken into account here; any other critical one bars the CRL. */
    private static final Set<String> UNDERSTOOD = Set.of(CRL_NUMBER, DELTA_CRL_INDICATOR, ISSUING_DISTRIBUTION_POINT, AUTHORITY_KEY_IDENTIFIER);

    private IntelCrlProfile() {
    }

    /** Why {@code crl} cannot be the complete list in force, or empty when it can. */
    static Optional<String> whyIncomplete(X509CRL crl) {
        Set<String> critical = crl.getCriticalExtensionOIDs() == null ? Set.of() : crl.getCriticalExtensionOIDs();
        for (String oid : critical) {
            if (!UNDERSTOOD.contains(oid)) {
                return Optional.of("has critical extension " + oid + ", which Veil does not understand");
            }
        }
        if (crl.getExtensionValue(DELTA_CRL_INDICATOR) != null) {
            return Optional.of("is a delta CRL (only changes since a base CRL)");
        }
        if (crl.getExtensionValue(ISSUING_DISTRIBUTION_POINT) != null) {
            return Optional.of("is scoped by an issuing distribution point");
        }
        if (crl.getNextUpdate() == null) {
            return Optional.of("has no nextUpdate");
        }
        if (crl.getExtensionValue(CRL_NUMBER) == null) {
            return Optional.of("has no CRL number");
        }
        if (crl.getExtensionValue(AUTHORITY_KEY_IDENTIFIER) == null) {
            return Optional.of("has no authority key identifier");
        }
        return Optional.empty();
    }
}
