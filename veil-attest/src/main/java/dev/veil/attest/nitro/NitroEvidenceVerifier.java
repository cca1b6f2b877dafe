package dev.veil.attest.nitro;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Claims;
import dev.veil.attest.EvidenceVerifier;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.claims.NitroClaims;
import dev.veil.attest.x509.CertificateProfile;
import dev.veil.attest.x509.CertificateSet;
import dev.veil.attest.x509.Signatures;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Verifies an AWS Nitro Enclaves attestation document: the bundle's first certificate is the pinned AWS Nitro root
 * G1, each following certificate is signed by the one before (a CA), the leaf by the last, all valid at the
 * verification time, and the COSE_Sign1 ES384 signature verifies with the leaf key. A document whose PCR0 is all
 * zeros comes from an enclave in debug mode (AWS zeroes the PCRs then) and is reported as debug. docs/checks/NITRO.md
 * lists every check with the specification that asks for it.
 * <p>The claims' report data is the document's {@code user_data}, where Veil's enclave puts its 64-byte binding.
 */
public final class NitroEvidenceVerifier implements EvidenceVerifier {
    private static final X509Certificate PINNED_ROOT = CertificateSet.resource("aws-nitro-root-g1.pem").get(0);

    private final X509Certificate root;

    public NitroEvidenceVerifier() {
        this(PINNED_ROOT);
    }

    /** With another trust anchor: only for tests that need a root whose key they hold. */
    NitroEvidenceVerifier(X509Certificate trustAnchor) {
        this.root = trustAnchor;
    }

    @Override
    public Platform platform() {
        return Platform.NITRO;
    }

    @Override
    public Claims verify(byte[] evidence, VerificationOptions options) throws AttestationException {
        NitroDocument doc = NitroDocument.parse(evidence);
        if (doc.algorithm() != NitroDocument.ES384) {
            throw new AttestationException("COSE algorithm", Integer.toString(doc.algorithm()), "-35 (ES384)");
        }
        X509Certificate leaf = chain(doc, options.at());
        checkSignature(doc, leaf);
        byte[] pcr0 = doc.pcrs().get(0);
        if (pcr0 == null) {
            throw new AttestationException("attestation document PCR0", "absent", "the enclave image measurement");
        }
        return new Claims(pcr0, doc.userData() == null ? new byte[0] : doc.userData(), doc.debugMode(),
                new NitroClaims(doc, leaf.getSubjectX500Principal().getName()));
    }

    /**
     * The bundle must start with the pinned root; each next certificate is issued by the one before, which must be a
     * CA with keyCertSign; the leaf is an end-entity with digitalSignature; path length constraints hold over the
     * whole chain; every certificate is valid at {@code at} (AWS attestation_process.md §3.2.3).
     */
    private X509Certificate chain(NitroDocument doc, Instant at) throws AttestationException {
        List<X509Certificate> chain = new ArrayList<>();
        List<String> roles = new ArrayList<>();
        for (byte[] der : doc.caBundle()) {
            List<X509Certificate> c = CertificateSet.parseAll(der);
            if (c.size() != 1) {
                throw new AttestationException("cabundle entry " + chain.size(), "not a DER certificate", "one X.509 certificate");
            }
            chain.add(c.get(0));
            roles.add(chain.size() == 1 ? "AWS Nitro root" : "cabundle[" + (chain.size() - 1) + "]");
        }
        try {
            if (!Arrays.equals(chain.get(0).getEncoded(), root.getEncoded())) {
                throw new AttestationException("cabundle root", chain.get(0).getSubjectX500Principal().getName(),
                        "the pinned AWS Nitro root G1 (" + root.getSubjectX500Principal().getName() + ")");
            }
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new AttestationException("cabundle root", "unencodable", "the pinned AWS Nitro root G1");
        }
        List<X509Certificate> leafList = CertificateSet.parseAll(doc.certificate());
        if (leafList.size() != 1) {
            throw new AttestationException("attestation document certificate", "not a DER certificate", "the enclave's X.509 certificate");
        }
        X509Certificate leaf = leafList.get(0);
        chain.add(leaf);
        roles.add("enclave (leaf)");
        CertificateSet.requireSignedBy(root, roles.get(0), root, roles.get(0) + " (self-signed)");
        for (int i = 1; i < chain.size(); i++) {
            CertificateSet.requireSignedBy(chain.get(i), roles.get(i), chain.get(i - 1), roles.get(i - 1));
        }
        CertificateProfile.requireSigningLeaf(leaf, roles.get(chain.size() - 1), true);
        CertificateProfile.requirePathLengths(chain, roles);
        for (int i = 0; i < chain.size(); i++) {
            CertificateSet.requireValidAt(chain.get(i), roles.get(i), at);
        }
        if (!(leaf.getPublicKey() instanceof ECPublicKey ec) || ec.getParams().getCurve().getField().getFieldSize() != 384) {
            throw new AttestationException("enclave certificate key", leaf.getPublicKey().getAlgorithm(), "EC P-384");
        }
        return leaf;
    }

    private static void checkSignature(NitroDocument doc, X509Certificate leaf) throws AttestationException {
        if (doc.signature().length != 96) {
            throw new AttestationException("COSE signature length", doc.signature().length + " bytes", "96 (ES384 r||s)");
        }
        if (!Signatures.ecdsaP1363("SHA384", leaf.getPublicKey(), doc.sigStructure(), doc.signature())) {
            throw new AttestationException("COSE_Sign1 signature", "invalid: does not verify with the enclave certificate",
                    "a valid ES384 signature over the document");
        }
    }
}
