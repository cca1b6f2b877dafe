package dev.veil.attest.dcap;

import dev.veil.attest.AttestationException;
import dev.veil.attest.x509.CertificateSet;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The Intel SGX TCB Signing certificate that signs TCB Info and QE Identity (QVL TCBSigningChain::verify): issued by
 * the pinned root under the root's name, valid at the verification time, an end entity for signing, and not on the
 * Root CA CRL. It may
 * come from either source: its chain to the pinned root is what makes it trusted.
 */
final class TcbSigner {
    static final String CN = "Intel SGX TCB Signing";

    private TcbSigner() {
    }

    static X509Certificate select(List<X509Certificate> certificates, X509Certificate root, RevocationLists crls, java.time.Instant at)
            throws AttestationException {
        List<X509Certificate> candidates = certificates.stream().filter(c -> CN.equals(CertificateSet.commonName(c))).toList();
        if (candidates.isEmpty()) {
            throw new AttestationException("TCB signing certificate", "missing from the collateral",
                    "the Intel SGX TCB Signing certificate (the TCB Info issuer chain from Intel PCS)");
        }
        AttestationException unusable = null;
        for (X509Certificate s : candidates) {
            if (CertificateSet.signedBy(s, root.getPublicKey())) {
                try {
                    IssuerName.require(s, CN, root);
                    CertificateSet.requireValidAt(s, CN, at);
                } catch (AttestationException e) {
                    unusable = e;   // signed by Intel's key but misnamed or outside its window: say so, unless another one fits
                    continue;
                }
                IntelCertificateProfile.requireSigningEndEntity(s, CN);
                crls.requireNotRevoked(s, CN, RevocationLists.Kind.ROOT_CA_CRL);
                return s;
            }
        }
        if (unusable != null) {
            throw unusable;
        }
        throw new AttestationException("TCB signing certificate", "not signed by the pinned Intel SGX Root CA", "a certificate issued by Intel");
    }
}
