package dev.veil.attest.snp;

import dev.veil.attest.AttestationException;
import dev.veil.attest.x509.CertificateProfile;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSASSAPSSparams;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;

/**
 * The shape AMD gives every VCEK and VLEK certificate (AMD 57230, "VCEK Certificate and KDS Interface
 * Specification", the VCEK certificate chapter): X.509 v3, signed by the product's ASK (ASVK for a VLEK) with
 * RSASSA-PSS over SHA-384 (MGF1 SHA-384, 48-byte salt), issuer equal to that intermediate's subject, an end-entity
 * EC P-384 key (the subject CN, SEV-VCEK or SEV-VLEK, is how the verifier picks the certificate in the first place), and a product-name extension naming the chain's product line, optionally
 * with the stepping ("Milan-B0"). A certificate of another shape is not one AMD issued as an endorsement key,
 * whatever signed it.
 */
final class VcekProfile {
    private static final String RSASSA_PSS = PKCSObjectIdentifiers.id_RSASSA_PSS.getId();
    private static final Pattern STEPPING = Pattern.compile("-[A-Z][0-9]");

    private VcekProfile() {
    }

    static void require(X509Certificate key, X509Certificate intermediate, AmdTrust trust, boolean vlek) throws AttestationException {
        String name = vlek ? "VLEK" : "VCEK";
        if (key.getVersion() != 3) {
            throw new AttestationException(name + " certificate version", Integer.toString(key.getVersion()), "3");
        }
        requirePssSha384(key, name);
        if (!key.getIssuerX500Principal().equals(intermediate.getSubjectX500Principal())) {
            throw new AttestationException(name + " certificate issuer", key.getIssuerX500Principal().getName(),
                    intermediate.getSubjectX500Principal().getName() + " (the " + trust.intermediateRole(vlek) + " subject)");
        }
        if (!(key.getPublicKey() instanceof ECPublicKey ec) || ec.getParams().getCurve().getField().getFieldSize() != 384) {
            throw new AttestationException(name + " certificate public key", key.getPublicKey().getAlgorithm(), "EC P-384");
        }
        CertificateProfile.requireSigningLeaf(key, name, false);
        String product = VcekExtensions.productName(key);
        if (!product.equals(trust.productName())
                && !(product.startsWith(trust.productName()) && STEPPING.matcher(product.substring(trust.productName().length())).matches())) {
            throw new AttestationException(name + " certificate product name (" + VcekExtensions.PRODUCT_NAME + ")",
                    product.isEmpty() ? "absent" : product,
                    trust.productName() + " or " + trust.productName() + "-<stepping>, the product of the chain it was issued under");
        }
    }

    private static void requirePssSha384(X509Certificate key, String name) throws AttestationException {
        String expected = "RSASSA-PSS with SHA-384, MGF1 SHA-384, salt 48";
        if (!RSASSA_PSS.equals(key.getSigAlgOID())) {
            throw new AttestationException(name + " certificate signature algorithm", key.getSigAlgName(), expected);
        }
        RSASSAPSSparams pss;
        try {
            pss = RSASSAPSSparams.getInstance(key.getSigAlgParams());
        } catch (RuntimeException e) {
            throw new AttestationException(name + " certificate RSASSA-PSS parameters", "unreadable", expected);
        }
        AlgorithmIdentifier mgfHash = pss == null ? null : AlgorithmIdentifier.getInstance(pss.getMaskGenAlgorithm().getParameters());
        if (pss == null || !NISTObjectIdentifiers.id_sha384.equals(pss.getHashAlgorithm().getAlgorithm())
                || !PKCSObjectIdentifiers.id_mgf1.equals(pss.getMaskGenAlgorithm().getAlgorithm())
                || mgfHash == null || !NISTObjectIdentifiers.id_sha384.equals(mgfHash.getAlgorithm())
                || pss.getSaltLength().intValue() != 48) {
            throw new AttestationException(name + " certificate RSASSA-PSS parameters",
                    pss == null ? "absent" : "hash " + pss.getHashAlgorithm().getAlgorithm() + ", salt " + pss.getSaltLength(), expected);
        }
    }
}
