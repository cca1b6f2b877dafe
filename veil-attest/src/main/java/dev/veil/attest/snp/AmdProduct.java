package dev.veil.attest.snp;

import dev.veil.attest.x509.CertificateSet;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * An AMD EPYC product line with its pinned root (ARK) and intermediates: ASK signs VCEKs, ASVK signs VLEKs. Only
 * the ARKs are trust anchors; the embedded intermediates are themselves checked against them.
 */
public enum AmdProduct {
    MILAN("Milan", false), GENOA("Genoa", false), TURIN("Turin", true);

    private final String name;
    private final boolean turinLayout;
    private final X509Certificate ask;
    private final X509Certificate asvk;
    private final X509Certificate ark;

    AmdProduct(String name, boolean turinLayout) {
        this.name = name;
        this.turinLayout = turinLayout;
        List<X509Certificate> vcekChain = CertificateSet.resource("amd-" + name.toLowerCase() + "-ask-ark.pem");
        List<X509Certificate> vlekChain = CertificateSet.resource("amd-" + name.toLowerCase() + "-asvk-ark.pem");
        this.ask = vcekChain.get(0);
        this.ark = vcekChain.get(1);
        this.asvk = vlekChain.get(0);
    }

    public String productName() {
        return name;
    }

    public boolean turinLayout() {
        return turinLayout;
    }

    public X509Certificate ark() {
        return ark;
    }

    /** The intermediate that signs the given kind of endorsement key. */
    public X509Certificate intermediate(boolean vlek) {
        return vlek ? asvk : ask;
    }

    public String intermediateRole(boolean vlek) {
        return trust().intermediateRole(vlek);
    }

    AmdTrust trust() {
        return new AmdTrust(name, turinLayout, ark, ask, asvk);
    }
}
