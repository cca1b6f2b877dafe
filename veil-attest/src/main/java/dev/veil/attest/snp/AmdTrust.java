package dev.veil.attest.snp;

import java.security.cert.X509Certificate;

/**
 * One AMD product line's chain of trust as the verifier holds it: the ARK (the trust anchor) and the two
 * intermediates it certifies, ASK for VCEKs and ASVK for VLEKs. Production uses the pinned roots of
 * {@link AmdProduct}; tests substitute a CA whose keys they hold.
 */
record AmdTrust(String productName, boolean turinLayout, X509Certificate ark, X509Certificate ask, X509Certificate asvk) {
    X509Certificate intermediate(boolean vlek) {
        return vlek ? asvk : ask;
    }

    String arkRole() {
        return "ARK-" + productName;
    }

    String intermediateRole(boolean vlek) {
        return vlek ? "ASVK (SEV-VLEK-" + productName + ")" : "ASK (SEV-" + productName + ")";
    }
}
