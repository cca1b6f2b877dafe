package dev.veil.attest.nitro;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Claims;
import dev.veil.attest.EvidenceVerifier;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.x509.CertificateSet;
import dev.veil.attest.x509.Signatures;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Verifies an AWS Nitro Enclaves attestation document: the bundle's first certificate is the pinned AWS Nitro root
 * G1, each following certificate is signed by the one before, the leaf by the last, all valid at the verification
 * time, and the COSE_Sign1 ES384 signature verifies with the leaf key. A document whose PCR0 is all zeros comes from
 * an enclave in debug mode (AWS zeroes the PCRs then) and is reported as debug.
 * <p>The claims' report data is the document's {@code user_data}, where Veil's enclave puts its 64-byte binding.
 */
public final class NitroEvidenceVerifier implements EvidenceVerifier {
    private static final X509Certificate ROOT = CertificateSet.resource("aws-nitro-root-g1.pem").get(0);
    private static final HexFormat HEX = HexFormat.of();

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
        if (!"SHA384".equals(doc.digest())) {
            throw new AttestationException("attestation document digest", doc.digest(), "SHA384");
        }
        X509Certificate leaf = chain(doc, options.at());
        checkSignature(doc, leaf);
        byte[] pcr0 = doc.pcrs().get(0);
        if (pcr0 == null) {
            throw new AttestationException("attestation document PCR0", "absent", "the enclave image measurement");
        }
        boolean debug = allZero(pcr0);
        Map<String, String> d = new LinkedHashMap<>();
        d.put("module_id", doc.moduleId());
        d.put("timestamp", Instant.ofEpochMilli(doc.timestamp()).toString());
        d.put("digest", doc.digest());
        doc.pcrs().forEach((i, v) -> d.put("pcr" + i, HEX.formatHex(v)));
        d.put("user_data", doc.userData() == null ? "(absent)" : HEX.formatHex(doc.userData()));
        d.put("nonce", doc.nonce() == null ? "(absent)" : HEX.formatHex(doc.nonce()));
        d.put("public_key", doc.publicKey() == null ? "(absent)" : HEX.formatHex(doc.publicKey()));
        d.put("certificate", leaf.getSubjectX500Principal().getName());
        d.put("debug_mode", debug ? "true (all-zero PCRs: the enclave was started with --debug-mode)" : "false");
        d.put("tcb_status", "not applicable: Nitro has no TCB status; trust rests on AWS's root and the PCRs");
        return new Claims(Platform.NITRO, pcr0, doc.userData() == null ? new byte[0] : doc.userData(), debug, d);
    }

    private static X509Certificate chain(NitroDocument doc, Instant at) throws AttestationException {
        List<X509Certificate> bundle = new java.util.ArrayList<>();
        for (byte[] der : doc.caBundle()) {
            List<X509Certificate> c = CertificateSet.parseAll(der);
            if (c.size() != 1) {
                throw new AttestationException("cabundle entry " + bundle.size(), "not a DER certificate", "one X.509 certificate");
            }
            bundle.add(c.get(0));
        }
        try {
            if (!Arrays.equals(bundle.get(0).getEncoded(), ROOT.getEncoded())) {
                throw new AttestationException("cabundle root", bundle.get(0).getSubjectX500Principal().getName(),
                        "the pinned AWS Nitro root G1 (" + ROOT.getSubjectX500Principal().getName() + ")");
            }
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new AttestationException("cabundle root", "unencodable", "the pinned AWS Nitro root G1");
        }
        List<X509Certificate> leafList = CertificateSet.parseAll(doc.certificate());
        if (leafList.size() != 1) {
            throw new AttestationException("attestation document certificate", "not a DER certificate", "the enclave's X.509 certificate");
        }
        X509Certificate prev = ROOT;
        CertificateSet.requireValidAt(ROOT, "AWS Nitro root", at);
        for (int i = 1; i < bundle.size(); i++) {
            CertificateSet.requireSignedBy(bundle.get(i), "cabundle[" + i + "]", prev, i == 1 ? "AWS Nitro root" : "cabundle[" + (i - 1) + "]");
            CertificateSet.requireValidAt(bundle.get(i), "cabundle[" + i + "]", at);
            prev = bundle.get(i);
        }
        X509Certificate leaf = leafList.get(0);
        CertificateSet.requireSignedBy(leaf, "enclave (leaf)", prev, "last cabundle");
        CertificateSet.requireValidAt(leaf, "enclave (leaf)", at);
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

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
