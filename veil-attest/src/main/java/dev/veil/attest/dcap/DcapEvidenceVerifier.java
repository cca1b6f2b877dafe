package dev.veil.attest.dcap;

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
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Verifies Intel DCAP ECDSA quotes (SGX v3, SGX/TDX v4 and v5): the quote signature by the attestation key, the
 * Quoting Enclave report signed by the PCK and binding that key, the PCK chain to the pinned Intel SGX Root CA, the
 * CRLs, and the TCB Info and QE Identity: their signatures, validity windows, the QE and TDX module identities and the
 * TCB status with advisories by Intel's matching rules. Collateral the verifier obtained itself takes precedence over
 * the host's. What was not available is reported in {@code collateral_missing} (and the status as Unknown without TCB
 * Info) for the policy to judge. docs/checks/DCAP.md lists every check with Intel's reference and its test.
 */
public class DcapEvidenceVerifier implements EvidenceVerifier {
    private static final X509Certificate PINNED_INTEL_ROOT = CertificateSet.resource("intel-sgx-root-ca.pem").get(0);
    private static final HexFormat HEX = HexFormat.of();

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
        Instant at = options.at();
        PckChain chain = PckChain.of(quote, intelRoot, at);
        verifyEcdsa(chain.pck().getPublicKey(), quote.qeReport().raw(), quote.qeReportSignature(), "QE report signature", "the PCK certificate");
        checkQeBinding(quote);
        verifyEcdsa(rawP256(quote.attestationKey()), quote.signedBytes(), quote.quoteSignature(), "quote signature", "the attestation key");

        IntelCollateral trusted = IntelCollateral.from(options.trustedCollateral(), IntelCollateral.Source.VERIFIER);
        IntelCollateral host = IntelCollateral.from(options.evidenceCollateral(), IntelCollateral.Source.HOST);
        RevocationLists crls = RevocationLists.select(trusted, host, intelRoot, chain.pckCa(), at);
        crls.requireNotRevoked(chain.pckCa(), CertificateSet.commonName(chain.pckCa()), RevocationLists.Kind.ROOT_CA_CRL);
        crls.requireNotRevoked(chain.pck(), PckChain.PCK_CN, RevocationLists.Kind.PCK_CRL);

        Map<String, String> d = new LinkedHashMap<>();
        PckExtensions ext = PckExtensions.of(chain.pck());
        d.put("quote_version", Integer.toString(quote.version()));
        d.put("fmspc", ext.fmspc());
        d.put("pck_ca", CertificateSet.commonName(chain.pckCa()));
        d.put("pck_crl", crls.describe());
        tcbStatus(quote, ext, trusted, host, crls, at, d);
        d.put("trailing_bytes", quote.trailingBytes() == 0 ? "0"
                : quote.trailingBytes() + (quote.trailingAllZero() ? " (zero padding)" : " (non-zero; outside every signature, ignored)"));
        return claims(quote, d);
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

    /**
     * TCB Info and QE Identity: chosen by {@link CollateralChoice}, checked against the PCK and the QE report, then
     * Intel's matching. Reports what was missing rather than guessing: the policy decides whether that is acceptable.
     */
    private void tcbStatus(DcapQuote quote, PckExtensions ext, IntelCollateral trusted, IntelCollateral host, RevocationLists crls,
                           Instant at, Map<String, String> d) throws AttestationException {
        TcbInfo.Id wantedId = platform == Platform.TDX ? TcbInfo.Id.TDX : TcbInfo.Id.SGX;
        QeIdentity.Id wantedQe = platform == Platform.TDX ? QeIdentity.Id.TD_QE : QeIdentity.Id.QE;
        List<X509Certificate> certificates = new ArrayList<>(trusted.certificates());
        certificates.addAll(host.certificates());
        CollateralChoice.SignerSource signerSource = CollateralChoice.once(() -> TcbSigner.select(certificates, intelRoot, crls, at));
        Optional<CollateralChoice.Chosen<TcbInfo>> tcbInfo = CollateralChoice.choose(trusted.tcbInfos(), host.tcbInfos(),
                t -> t.id() == wantedId && t.fmspc().equalsIgnoreCase(ext.fmspc()), signerSource, at);
        if (tcbInfo.isEmpty()) {
            Optional<TcbInfo> other = Stream.concat(trusted.tcbInfos().stream(), host.tcbInfos().stream()).map(Signed::body).findFirst();
            if (other.isPresent()) {
                throw new AttestationException("TCB Info", "for " + other.get().id() + " FMSPC " + other.get().fmspc(),
                        wantedId + " TCB Info for the PCK's FMSPC " + ext.fmspc());
            }
        }
        Optional<CollateralChoice.Chosen<QeIdentity>> qeIdentity = CollateralChoice.choose(trusted.qeIdentities(), host.qeIdentities(),
                q -> q.id() == wantedQe, signerSource, at);
        if (qeIdentity.isEmpty()) {
            Optional<QeIdentity> other = Stream.concat(trusted.qeIdentities().stream(), host.qeIdentities().stream()).map(Signed::body)
                    .filter(q -> q.id() != QeIdentity.Id.QVE).findFirst();
            if (other.isPresent()) {
                throw new AttestationException("QE Identity id", other.get().id().name(), wantedQe + " (the Quoting Enclave of " + wantedId + ")");
            }
        }
        Optional<QeIdentityCheck.Outcome> qe = Optional.empty();
        if (qeIdentity.isPresent()) {
            qe = Optional.of(QeIdentityCheck.check(qeIdentity.get().body(), quote.qeReport()));
            d.put("qe_identity", qe.get().description());
        } else {
            d.put("qe_identity", "not checked (no QE Identity supplied)");
        }
        List<String> missing = new ArrayList<>();
        if (tcbInfo.isEmpty()) {
            missing.add("tcb_info");
        }
        if (qeIdentity.isEmpty()) {
            missing.add("qe_identity");
        }
        for (RevocationLists.Kind k : RevocationLists.Kind.values()) {
            if (!crls.has(k)) {
                missing.add(k.claim);
            }
        }
        d.put("collateral_missing", String.join(",", missing));
        d.put("tcb_evaluation_data_number", Stream.concat(tcbInfo.stream().map(c -> c.body().tcbEvaluationDataNumber()),
                qeIdentity.stream().map(c -> c.body().tcbEvaluationDataNumber())).min(Long::compare).map(String::valueOf).orElse(""));
        if (tcbInfo.isEmpty()) {
            d.put("tcb_status", TcbStatus.UNKNOWN.text());
            d.put("advisory_ids", "");
            return;
        }
        TcbInfo info = tcbInfo.get().body();
        if (!info.pceId().equalsIgnoreCase(ext.pceId())) {
            throw new AttestationException("TCB Info pceId", info.pceId(), ext.pceId() + " (the PCK certificate's PCE-ID)");
        }
        Optional<byte[]> teeTcbSvn = Optional.empty();
        Optional<TdxModuleCheck.Outcome> module = Optional.empty();
        if (quote.body() instanceof ReportBody.Td td) {
            teeTcbSvn = Optional.of(td.teeTcbSvn());
            module = Optional.of(TdxModuleCheck.check(info, td));
            d.put("tdx_module", module.get().description());
        }
        TcbEvaluation.Result r = TcbEvaluation.evaluate(info, ext, teeTcbSvn, module, qe);
        d.put("tcb_status", r.status().text());
        d.put("advisory_ids", String.join(",", r.advisoryIds()));
        d.put("tcb_level", r.platformLevel());
        d.put("tcb_info", info.describe() + (tcbInfo.get().trusted() ? ", from the verifier's collateral" : ", from the evidence's host"));
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
}
