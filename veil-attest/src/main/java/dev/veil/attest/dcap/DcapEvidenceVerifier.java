package dev.veil.attest.dcap;

import com.fasterxml.jackson.databind.JsonNode;
import dev.veil.attest.AttestationException;
import dev.veil.attest.Claims;
import dev.veil.attest.EvidenceVerifier;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.x509.CertificateSet;
import dev.veil.attest.x509.Signatures;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Verifies Intel DCAP ECDSA quotes (SGX v3, TDX v4/v5): the quote signature by the attestation key, the Quoting
 * Enclave report signed by the PCK and binding that key, the PCK chain to the pinned Intel SGX Root CA, CRLs when
 * supplied, and — when TCB Info and QE Identity are supplied — their signatures, validity windows and the TCB status
 * with advisories by Intel's matching rules. Without that collateral the status is reported as unknown.
 */
public class DcapEvidenceVerifier implements EvidenceVerifier {
    private static final X509Certificate PINNED_INTEL_ROOT = CertificateSet.resource("intel-sgx-root-ca.pem").get(0);
    private static final HexFormat HEX = HexFormat.of();
    private static final String PCK_CN = "Intel SGX PCK Certificate";
    private static final String TCB_SIGNING_CN = "Intel SGX TCB Signing";

    private final Platform platform;
    private final X509Certificate intelRoot;

    public DcapEvidenceVerifier(Platform platform) {
        this(platform, PINNED_INTEL_ROOT);
    }

    /** With another trust anchor: only for tests that need a CA whose key they hold (e.g. to revoke a PCK). */
    DcapEvidenceVerifier(Platform platform, X509Certificate trustAnchor) {
        if (platform != Platform.TDX && platform != Platform.SGX) {
            throw new IllegalArgumentException("DCAP covers tdx and sgx");
        }
        this.platform = platform;
        this.intelRoot = trustAnchor;
    }

    @Override
    public Platform platform() {
        return platform;
    }

    @Override
    public Claims verify(byte[] evidence, VerificationOptions options) throws AttestationException {
        DcapQuote quote = DcapQuote.parse(evidence);
        int expectedTee = platform == Platform.TDX ? DcapQuote.TEE_TDX : DcapQuote.TEE_SGX;
        if (quote.teeType() != expectedTee) {
            throw new AttestationException("quote TEE type", quote.teeType() == DcapQuote.TEE_TDX ? "TDX" : "SGX",
                    platform.id().toUpperCase() + " (use --platform " + (quote.teeType() == DcapQuote.TEE_TDX ? "tdx" : "sgx") + ")");
        }
        IntelCollateral collateral = IntelCollateral.from(options.allCollateral());
        Instant at = options.at();

        X509Certificate[] chain = pckChain(quote, collateral, at);
        X509Certificate pck = chain[0];
        X509Certificate pckCa = chain[1];
        verifyEcdsa(pck.getPublicKey(), quote.qeReport().raw(), quote.qeReportSignature(), "QE report signature", "the PCK certificate");
        checkQeBinding(quote);
        verifyEcdsa(rawP256(quote.attestationKey()), quote.signedBytes(), quote.quoteSignature(), "quote signature", "the attestation key");

        Map<String, String> d = new LinkedHashMap<>();
        PckExtensions ext = PckExtensions.of(pck);
        d.put("quote_version", Integer.toString(quote.version()));
        d.put("fmspc", ext.fmspc());
        d.put("pck_ca", CertificateSet.commonName(pckCa));
        d.put("pck_crl", checkCrls(collateral, pck, pckCa, at));
        tcbStatus(quote, ext, collateral, at, d);
        d.put("trailing_bytes", quote.trailingBytes() == 0 ? "0"
                : quote.trailingBytes() + (quote.trailingAllZero() ? " (zero padding)" : " (non-zero; outside every signature, ignored)"));
        return claims(quote, d);
    }

    private X509Certificate[] pckChain(DcapQuote quote, IntelCollateral collateral, Instant at) throws AttestationException {
        List<X509Certificate> certs = new ArrayList<>();
        if (quote.certDataType() == DcapQuote.CERT_PCK_CHAIN) {
            certs.addAll(CertificateSet.parseAll(quote.certData()));
        }
        certs.addAll(collateral.certificates().all());
        X509Certificate pck = certs.stream().filter(c -> PCK_CN.equals(CertificateSet.commonName(c))).findFirst()
                .orElseThrow(() -> new AttestationException("PCK certificate",
                        quote.certDataType() == DcapQuote.CERT_PCK_CHAIN ? "absent from the quote's certification data"
                                : "not in the quote (certification data type " + quote.certDataType() + ") nor in the collateral",
                        "the platform's PCK certificate (Intel PCS; pass it with --certs)"));
        X509Certificate ca = certs.stream()
                .filter(c -> CertificateSet.commonName(c).startsWith("Intel SGX PCK ") && CertificateSet.commonName(c).endsWith(" CA"))
                .filter(c -> CertificateSet.signedBy(pck, c.getPublicKey())).findFirst()
                .orElseThrow(() -> new AttestationException("PCK certificate issuer", pck.getIssuerX500Principal().getName(),
                        "an Intel SGX PCK Platform/Processor CA certificate that signed it"));
        CertificateSet.requireSignedBy(ca, CertificateSet.commonName(ca), intelRoot, "pinned Intel SGX Root CA");
        for (X509Certificate c : certs) {
            if (CertificateSet.commonName(c).equals("Intel SGX Root CA") && !Arrays.equals(encoded(c), encoded(intelRoot))) {
                throw new AttestationException("PCK chain root", "an 'Intel SGX Root CA' that is not the pinned one",
                        "the production Intel SGX Root CA (sha256 44a0196b…)");
            }
        }
        CertificateSet.requireValidAt(intelRoot, "Intel SGX Root CA", at);
        CertificateSet.requireValidAt(ca, CertificateSet.commonName(ca), at);
        CertificateSet.requireValidAt(pck, "PCK", at);
        return new X509Certificate[] {pck, ca};
    }

    private static void checkQeBinding(DcapQuote quote) throws AttestationException {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(quote.attestationKey());
            sha.update(quote.qeAuthData());
            byte[] expected = Arrays.copyOf(sha.digest(), 64);
            if (!MessageDigest.isEqual(expected, quote.qeReport().reportData())) {
                throw new AttestationException("QE report data", HEX.formatHex(quote.qeReport().reportData()),
                        HEX.formatHex(expected) + " (SHA-256 of attestation key and QE auth data, zero-padded)");
            }
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private String checkCrls(IntelCollateral collateral, X509Certificate pck, X509Certificate pckCa, Instant at)
            throws AttestationException {
        List<String> done = new ArrayList<>();
        for (X509CRL crl : collateral.crls()) {
            X509Certificate issuer;
            X509Certificate subject;
            if (crl.getIssuerX500Principal().equals(intelRoot.getSubjectX500Principal())) {
                issuer = intelRoot;
                subject = pckCa;
            } else if (crl.getIssuerX500Principal().equals(pckCa.getSubjectX500Principal())) {
                issuer = pckCa;
                subject = pck;
            } else {
                continue;   // a CRL for another chain: not ours to judge
            }
            String name = CertificateSet.commonName(issuer) + " CRL";
            if (!Signatures.crl(crl, issuer.getPublicKey())) {
                throw new AttestationException(name + " signature", "invalid: does not verify with its issuer", "a CRL signed by " + CertificateSet.commonName(issuer));
            }
            if (crl.getThisUpdate().after(Date.from(at)) || (crl.getNextUpdate() != null && crl.getNextUpdate().before(Date.from(at)))) {
                throw new AttestationException(name + " validity at " + at, crl.getThisUpdate().toInstant() + " .. "
                        + (crl.getNextUpdate() == null ? "?" : crl.getNextUpdate().toInstant()), "a window containing the verification time");
            }
            if (crl.isRevoked(subject)) {
                throw new AttestationException(CertificateSet.commonName(subject) + " certificate", "revoked (serial "
                        + subject.getSerialNumber().toString(16) + " is on the " + name + ")", "not revoked");
            }
            done.add(name);
        }
        return done.isEmpty() ? "not checked (no CRL supplied)" : "not revoked (" + String.join(", ", done) + ")";
    }

    private void tcbStatus(DcapQuote quote, PckExtensions ext, IntelCollateral collateral, Instant at, Map<String, String> d)
            throws AttestationException {
        String wantedId = platform == Platform.TDX ? "TDX" : "SGX";
        SignedJson tcbInfo = null;
        for (SignedJson t : collateral.tcbInfos()) {
            String id = t.body().path("id").asText("SGX");
            if (t.body().path("fmspc").asText().equalsIgnoreCase(ext.fmspc()) && id.equalsIgnoreCase(wantedId)) {
                tcbInfo = t;
            }
        }
        if (tcbInfo == null && !collateral.tcbInfos().isEmpty()) {
            SignedJson any = collateral.tcbInfos().get(0);
            throw new AttestationException("TCB Info", "for " + any.body().path("id").asText("SGX") + " FMSPC "
                    + any.body().path("fmspc").asText(), wantedId + " TCB Info for the PCK's FMSPC " + ext.fmspc());
        }
        if (tcbInfo == null) {
            d.put("tcb_status", TcbStatus.UNKNOWN);
            d.put("advisory_ids", "");
            return;
        }
        X509Certificate signer = tcbSigner(collateral, at);
        verifySignedJson(tcbInfo, signer, "TCB Info", at);
        String pceId = tcbInfo.body().path("pceId").asText();
        if (!pceId.equalsIgnoreCase(ext.pceId())) {
            throw new AttestationException("TCB Info pceId", pceId, ext.pceId() + " (the PCK certificate's PCE-ID)");
        }
        String qeStatus = null;
        List<String> qeAdvisories = new ArrayList<>();
        if (!collateral.qeIdentities().isEmpty()) {
            String wantedQe = platform == Platform.TDX ? "TD_QE" : "QE";
            SignedJson qe = collateral.qeIdentities().stream().filter(j -> wantedQe.equals(j.body().path("id").asText()))
                    .findFirst().orElseThrow(() -> new AttestationException("QE Identity id",
                            collateral.qeIdentities().get(0).body().path("id").asText(), wantedQe + " (the Quoting Enclave of " + wantedId + ")"));
            verifySignedJson(qe, signer, "QE Identity", at);
            checkQeIdentity(qe.body(), quote.qeReport());
            qeStatus = TcbEvaluation.qeStatus(qe.body(), quote.qeReport().isvSvn(), qeAdvisories);
            d.put("qe_identity", qe.body().path("id").asText() + " isvsvn " + quote.qeReport().isvSvn() + ": " + qeStatus);
        } else {
            d.put("qe_identity", "not checked (no QE Identity supplied)");
        }
        TcbEvaluation.Result r = TcbEvaluation.evaluate(tcbInfo.body(), ext, quote, qeStatus, qeAdvisories);
        d.put("tcb_status", r.status());
        d.put("advisory_ids", String.join(",", r.advisoryIds()));
        d.put("tcb_level", r.platformLevel());
        if (platform == Platform.TDX) {
            d.put("tdx_module", r.tdxModule());
        }
        d.put("tcb_info", tcbInfo.body().path("id").asText("SGX") + " v" + tcbInfo.body().path("version").asText()
                + ", evaluation data " + tcbInfo.body().path("tcbEvaluationDataNumber").asText() + ", issued "
                + tcbInfo.body().path("issueDate").asText());
    }

    private X509Certificate tcbSigner(IntelCollateral collateral, Instant at) throws AttestationException {
        List<X509Certificate> signers = collateral.certificates().withCommonName(TCB_SIGNING_CN);
        if (signers.isEmpty()) {
            throw new AttestationException("TCB signing certificate", "missing from the collateral",
                    "the Intel SGX TCB Signing certificate (the TCB Info issuer chain from Intel PCS)");
        }
        AttestationException expired = null;
        for (X509Certificate s : signers) {
            if (CertificateSet.signedBy(s, intelRoot.getPublicKey())) {
                try {
                    CertificateSet.requireValidAt(s, TCB_SIGNING_CN, at);
                    return s;
                } catch (AttestationException e) {
                    expired = e;   // an Intel-issued signer outside its window: say so, unless another one fits
                }
            }
        }
        if (expired != null) {
            throw expired;
        }
        throw new AttestationException("TCB signing certificate", "not signed by the pinned Intel SGX Root CA", "a certificate issued by Intel");
    }

    private static void verifySignedJson(SignedJson j, X509Certificate signer, String what, Instant at) throws AttestationException {
        if (!Signatures.ecdsaP1363Collateral("SHA256", signer.getPublicKey(), j.signedBytes(), j.signature())) {
            throw new AttestationException(what + " signature", "invalid: does not verify with the TCB signing key over "
                    + "the raw JSON (a re-formatted copy does not verify)", "a valid ECDSA P-256 signature by Intel");
        }
        try {
            Instant issued = Instant.parse(j.body().path("issueDate").asText());
            Instant next = Instant.parse(j.body().path("nextUpdate").asText());
            if (at.isBefore(issued) || at.isAfter(next)) {
                throw new AttestationException(what + " validity at " + at, issued + " .. " + next,
                        "a window containing the verification time (fetch fresh collateral, or use --at for old samples)");
            }
        } catch (DateTimeParseException e) {
            throw new AttestationException(what + " issueDate/nextUpdate", "unparseable", "ISO-8601 instants");
        }
    }

    private static void checkQeIdentity(JsonNode id, ReportBody.Sgx qe) throws AttestationException {
        if (!HEX.formatHex(qe.mrSigner()).equalsIgnoreCase(id.path("mrsigner").asText())) {
            throw new AttestationException("QE MRSIGNER", HEX.formatHex(qe.mrSigner()), id.path("mrsigner").asText().toLowerCase());
        }
        if (qe.isvProdId() != id.path("isvprodid").asInt(-1)) {
            throw new AttestationException("QE ISVPRODID", Integer.toString(qe.isvProdId()), id.path("isvprodid").asText());
        }
        // MISCSELECT and its mask are written as the hex of the report's little-endian bytes, like ATTRIBUTES.
        byte[] misc = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(qe.miscSelect()).array();
        maskedEqual("QE MISCSELECT", misc, id.path("miscselect").asText("00000000"), id.path("miscselectMask").asText("00000000"));
        maskedEqual("QE ATTRIBUTES", qe.attributes(), id.path("attributes").asText("00".repeat(16)),
                id.path("attributesMask").asText("00".repeat(16)));
    }

    private static void maskedEqual(String claim, byte[] found, String wantHex, String maskHex) throws AttestationException {
        byte[] want;
        byte[] mask;
        try {
            want = HEX.parseHex(wantHex);
            mask = HEX.parseHex(maskHex);
        } catch (IllegalArgumentException e) {
            throw new AttestationException(claim + " in QE Identity", "not hex", "hex bytes");
        }
        if (want.length != found.length || mask.length != found.length) {
            throw new AttestationException(claim + " in QE Identity", want.length + " bytes", found.length + " bytes");
        }
        for (int i = 0; i < found.length; i++) {
            if ((found[i] & mask[i]) != (want[i] & mask[i])) {
                throw new AttestationException(claim, HEX.formatHex(found), wantHex.toLowerCase() + " under mask " + maskHex.toLowerCase());
            }
        }
    }

    private Claims claims(DcapQuote quote, Map<String, String> d) {
        if (quote.body() instanceof ReportBody.Td td) {
            d.put("body", td.td15() ? "TD 1.5" : "TD 1.0");
            d.put("mrtd", HEX.formatHex(td.mrTd()));
            for (int i = 0; i < 4; i++) {
                d.put("rtmr" + i, HEX.formatHex(td.rtmr(i)));
            }
            d.put("mrconfigid", HEX.formatHex(td.mrConfigId()));
            d.put("mrowner", HEX.formatHex(td.mrOwner()));
            d.put("mrownerconfig", HEX.formatHex(td.mrOwnerConfig()));
            d.put("mrseam", HEX.formatHex(td.mrSeam()));
            d.put("mrsignerseam", HEX.formatHex(td.mrSignerSeam()));
            d.put("td_attributes", HEX.formatHex(td.tdAttributes()));
            d.put("xfam", HEX.formatHex(td.xfam()));
            d.put("tee_tcb_svn", HEX.formatHex(td.teeTcbSvn()));
            if (td.td15()) {
                d.put("tee_tcb_svn2", HEX.formatHex(td.teeTcbSvn2()));
                d.put("mrservicetd", HEX.formatHex(td.mrServiceTd()));
            }
            return new Claims(Platform.TDX, td.mrTd(), td.reportData(), td.debug(), d);
        }
        ReportBody.Sgx sgx = (ReportBody.Sgx) quote.body();
        d.put("mrenclave", HEX.formatHex(sgx.mrEnclave()));
        d.put("mrsigner", HEX.formatHex(sgx.mrSigner()));
        d.put("isv_prod_id", Integer.toString(sgx.isvProdId()));
        d.put("isv_svn", Integer.toString(sgx.isvSvn()));
        d.put("attributes", HEX.formatHex(sgx.attributes()));
        d.put("cpu_svn", HEX.formatHex(sgx.cpuSvn()));
        return new Claims(Platform.SGX, sgx.mrEnclave(), sgx.reportData(), sgx.debug(), d);
    }

    static void verifyEcdsa(PublicKey key, byte[] data, byte[] rs, String what, String by) throws AttestationException {
        if (rs.length != 64) {
            throw new AttestationException(what, rs.length + " bytes", "64 bytes (ECDSA P-256 r||s)");
        }
        if (!Signatures.ecdsaP1363("SHA256", key, data, rs)) {
            throw new AttestationException(what, "invalid: does not verify with " + by, "a valid ECDSA P-256 signature");
        }
    }

    private static PublicKey rawP256(byte[] xy) throws AttestationException {
        try {
            ECPublicKey template = (ECPublicKey) PINNED_INTEL_ROOT.getPublicKey();   // Intel's root is a P-256 key
            return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(
                    new BigInteger(1, Arrays.copyOfRange(xy, 0, 32)), new BigInteger(1, Arrays.copyOfRange(xy, 32, 64))),
                    template.getParams()));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new AttestationException("quote attestation key", "not a point on P-256", "a raw P-256 public key (x||y)");
        }
    }

    private static byte[] encoded(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            return new byte[0];
        }
    }
}
