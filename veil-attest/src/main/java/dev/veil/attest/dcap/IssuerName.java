package dev.veil.attest.dcap;

import dev.veil.attest.AttestationException;
import java.security.cert.X509Certificate;

/**
 * A certificate's issuer name must be the subject of the certificate whose key signed it (QVL PckCertVerifier::
 * verifyPCKCert, CommonVerifier::verifyIntermediate, TCBSigningChain::verifyTCBCert). Signatures alone link Veil's
 * chains; without this check a certificate signed by the right key but naming another issuer would pass the chain
 * while every CRL lookup keyed on issuer name and serial missed it.
 */
final class IssuerName {
    private IssuerName() {
    }

    static void require(X509Certificate cert, String role, X509Certificate signer) throws AttestationException {
        if (!cert.getIssuerX500Principal().equals(signer.getSubjectX500Principal())) {
            throw new AttestationException(role + " certificate issuer name", cert.getIssuerX500Principal().getName(),
                    signer.getSubjectX500Principal().getName() + " (the subject of the certificate whose key signed it)");
        }
    }
}
