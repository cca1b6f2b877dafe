package dev.veil.attest.dcap;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Claims;
import dev.veil.attest.EvidenceVerifier;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.claims.CollateralKind;
import dev.veil.attest.claims.DcapClaims;
import dev.veil.attest.claims.DcapProvenance;
import dev.veil.attest.claims.IntelTcb;
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
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
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

        PckExtensions ext = PckExtensions.of(chain.pck());
        Verdict v = tcbStatus(quote, ext, trusted, host, crls, at);
        String trailing = quote.trailingBytes() == 0 ? "0"
                : quote.trailingBytes() + (quote.trailingAllZero() ? " (zero padding)" : " (non-zero; outside every signature, ignored)");
        DcapProvenance provenance = new DcapProvenance(quote.version(), ext.fmspc(), CertificateSet.commonName(chain.pckCa()),
                crls.describe(), v.qeIdentity(), v.tdxModule(), v.tcbLevel(), v.tcbInfo(), trailing);
        DcapClaims claims = new DcapClaims(quote.body(), v.tcb(), v.collateralMissing(), provenance);
        return new Claims(quote.body().measurement(), quote.body().reportData(), quote.body().debug(), claims);
    }

    /** Intel's TCB verdict and, for people, which collateral it rests on. */
    private record Verdict(IntelTcb tcb, Set<CollateralKind> collateralMissing, String qeIdentity, Optional<String> tdxModule,
                           Optional<String> tcbLevel, Optional<String> tcbInfo) {
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
    private Verdict tcbStatus(DcapQuote quote, PckExtensions ext, IntelCollateral trusted, IntelCollateral host,
                              RevocationLists crls, Instant at) throws AttestationException {
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
        }
        String qeDescription = qe.map(QeIdentityCheck.Outcome::description).orElse("not checked (no QE Identity supplied)");
        Set<CollateralKind> missing = EnumSet.noneOf(CollateralKind.class);
        if (tcbInfo.isEmpty()) {
            missing.add(CollateralKind.TCB_INFO);
        }
        if (qeIdentity.isEmpty()) {
            missing.add(CollateralKind.QE_IDENTITY);
        }
        for (RevocationLists.Kind k : RevocationLists.Kind.values()) {
            if (!crls.has(k)) {
                missing.add(k.collateral);
            }
        }
        OptionalLong evaluationDataNumber = Stream.concat(tcbInfo.stream().map(c -> c.body().tcbEvaluationDataNumber()),
                qeIdentity.stream().map(c -> c.body().tcbEvaluationDataNumber())).mapToLong(Long::longValue).min();
        if (tcbInfo.isEmpty()) {
            // The platform cannot be assessed without TCB Info (Unknown, which a contract may waive), but a QE Identity
            // that was checked still speaks: a revoked or unsupported QE must not hide behind that waivable Unknown
            // (Revoked never is waivable), and its level's advisories still apply.
            IntelTcb tcb = qe.map(o -> new IntelTcb(TcbStatus.UNKNOWN.converge(o.status()), o.advisoryIds(), evaluationDataNumber))
                    .orElseGet(() -> IntelTcb.unknown(evaluationDataNumber));
            return new Verdict(tcb, missing, qeDescription, Optional.empty(), Optional.empty(), Optional.empty());
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
        }
        TcbEvaluation.Result r = TcbEvaluation.evaluate(info, ext, teeTcbSvn, module, qe);
        return new Verdict(new IntelTcb(r.status(), r.advisoryIds(), evaluationDataNumber), missing, qeDescription,
                module.map(TdxModuleCheck.Outcome::description), Optional.of(r.platformLevel()),
                Optional.of(info.describe() + (tcbInfo.get().trusted() ? ", from the verifier's collateral" : ", from the evidence's host")));
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
