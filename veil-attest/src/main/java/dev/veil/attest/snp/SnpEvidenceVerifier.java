package dev.veil.attest.snp;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Claims;
import dev.veil.attest.EvidenceVerifier;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.claims.CollateralKind;
import dev.veil.attest.claims.SnpClaims;
import dev.veil.attest.x509.CertificateSet;
import dev.veil.attest.x509.Signatures;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Verifies an SEV-SNP attestation report: picks the endorsement key the report names (VCEK or VLEK) from the supplied
 * certificates, chains it through the product's ASK/ASVK to a pinned ARK, checks that the certificate was issued for
 * this chip and this reported TCB, consults AMD's CRL for the product when one is supplied, and checks the report's
 * ECDSA P-384 signature. Policy (measurement, debug, VMPL, TCB minimums, missing collateral) is judged afterwards, on
 * the returned claims. docs/checks/SNP.md lists every check with the specification that asks for it.
 */
public final class SnpEvidenceVerifier implements EvidenceVerifier {
    private static final HexFormat HEX = HexFormat.of();

    private final List<AmdTrust> anchors;

    public SnpEvidenceVerifier() {
        this(Arrays.stream(AmdProduct.values()).map(AmdProduct::trust).toList());
    }

    /** With other trust anchors: only for tests that need an ARK whose key they hold (to issue, revoke, mis-issue). */
    SnpEvidenceVerifier(List<AmdTrust> anchors) {
        this.anchors = List.copyOf(anchors);
    }

    @Override
    public Platform platform() {
        return Platform.SEV_SNP;
    }

    @Override
    public Claims verify(byte[] evidence, VerificationOptions options) throws AttestationException {
        SnpReport report = SnpReport.parse(evidence);
        if (report.maskChipKey()) {
            throw new AttestationException("SNP report MASK_CHIP_KEY (0x48 bit 1)", "1: the firmware does not sign reports on this platform",
                    "0; with MASK_CHIP_KEY set the signature field holds zeroes, so nothing in the report can be verified");
        }
        boolean vlek = switch (report.signingKey()) {
            case SnpReport.SIGNING_KEY_VCEK -> false;
            case SnpReport.SIGNING_KEY_VLEK -> true;
            default -> throw new AttestationException("SNP report signing key", Integer.toString(report.signingKey()),
                    "0 (VCEK) or 1 (VLEK); a report signed by no key cannot be verified");
        };
        String keyName = vlek ? "VLEK" : "VCEK";
        List<X509CRL> trustedCrls = AmdRevocation.trustedCrls(options.trustedCollateral());
        CertificateSet certs = CertificateSet.from(options.allCollateral());
        List<X509Certificate> candidates = certs.withCommonName("SEV-" + keyName);
        if (candidates.isEmpty()) {
            throw new AttestationException(keyName + " certificate", "missing from the supplied certificates",
                    "the " + keyName + " for this chip and TCB (AMD KDS; pass it with --certs or in --collateral)");
        }
        if (candidates.size() == 1) {
            return verifyWith(report, candidates.get(0), vlek, keyName, trustedCrls, options);
        }
        List<String> reasons = new ArrayList<>();
        for (X509Certificate signer : candidates) {
            try {
                return verifyWith(report, signer, vlek, keyName, trustedCrls, options);
            } catch (AttestationException e) {
                reasons.add(e.getMessage());
            }
        }
        throw new AttestationException("each of " + candidates.size() + " " + keyName + " certificates", reasons.toString(),
                "a " + keyName + " that chains to a pinned AMD root and signs this report");
    }

    private Claims verifyWith(SnpReport report, X509Certificate signer, boolean vlek, String keyName, List<X509CRL> trustedCrls,
                              VerificationOptions options) throws AttestationException {
        AmdTrust product = chain(signer, vlek, keyName, options.at());
        X509Certificate intermediate = product.intermediate(vlek);
        boolean crlChecked = AmdRevocation.check(product, List.of(intermediate, signer),
                List.of(product.intermediateRole(vlek), keyName), trustedCrls, options);
        boolean turin = product.turinLayout();
        if (report.version() >= 3 && report.cpuidFamily() != 0 && report.cpuidSaysTurin() != turin) {
            throw new AttestationException("SNP report CPUID family", String.format("0x%02X", report.cpuidFamily()),
                    "a family of the " + product.productName() + " product line the certificate chain belongs to");
        }
        TcbVersion reported = TcbVersion.decode(report.reportedTcb(), turin);
        checkTcbExtensions(signer, reported, keyName);
        if (!vlek) {
            checkHardwareId(signer, report, turin);
        }
        checkSignature(report, signer, keyName);
        return claims(report, product, vlek, reported, crlChecked, signer);
    }

    /**
     * Finds the product whose intermediate signed {@code signer} and checks the whole chain: ARK self-signed and a CA,
     * intermediate issued by the ARK and a CA with keyCertSign, the endorsement key an end-entity of AMD's VCEK/VLEK
     * profile, all three valid at {@code at}.
     */
    private AmdTrust chain(X509Certificate signer, boolean vlek, String keyName, Instant at) throws AttestationException {
        for (AmdTrust p : anchors) {
            X509Certificate inter = p.intermediate(vlek);
            if (!CertificateSet.signedBy(signer, inter.getPublicKey())) {
                continue;
            }
            String interRole = p.intermediateRole(vlek);
            CertificateSet.requireSignedBy(p.ark(), p.arkRole(), p.ark(), p.arkRole() + " (self-signed)");
            CertificateSet.requireSignedBy(inter, interRole, p.ark(), p.arkRole());
            CertificateSet.requireSignedBy(signer, keyName, inter, interRole);
            CertificateSet.requireValidAt(p.ark(), p.arkRole(), at);
            CertificateSet.requireValidAt(inter, interRole, at);
            CertificateSet.requireValidAt(signer, keyName, at);
            VcekProfile.require(signer, inter, p, vlek);
            return p;
        }
        throw new AttestationException(keyName + " certificate signature", "not signed by any pinned AMD "
                + (vlek ? "ASVK" : "ASK") + " (" + anchors.stream().map(AmdTrust::productName).collect(Collectors.joining(", ")) + ")",
                "a certificate issued by AMD's KDS");
    }

    private static void checkTcbExtensions(X509Certificate signer, TcbVersion reported, String keyName) throws AttestationException {
        check(signer, VcekExtensions.BL_SPL, reported.bootloader(), keyName, "bootloader");
        check(signer, VcekExtensions.TEE_SPL, reported.tee(), keyName, "TEE");
        check(signer, VcekExtensions.SNP_SPL, reported.snp(), keyName, "SNP");
        check(signer, VcekExtensions.UCODE_SPL, reported.microcode(), keyName, "microcode");
        if (reported.turin()) {
            check(signer, VcekExtensions.FMC_SPL, reported.fmc(), keyName, "FMC");
        }
    }

    private static void check(X509Certificate c, String oid, int reported, String keyName, String component) throws AttestationException {
        OptionalInt v = VcekExtensions.spl(c, oid);
        if (v.isEmpty()) {
            throw new AttestationException(keyName + " certificate " + component + " SPL extension", "missing", oid);
        }
        if (v.getAsInt() != reported) {
            throw new AttestationException(keyName + " certificate " + component + " SPL", Integer.toString(v.getAsInt()),
                    reported + " (the report's reported_tcb; fetch the " + keyName + " for this TCB)");
        }
    }

    /**
     * The VCEK's hwID must be the report's CHIP_ID. With MASK_CHIP_ID the firmware zeroes CHIP_ID, so there is no
     * claimed chip to compare; the chip is still bound, because only that chip's firmware holds the private key of a
     * VCEK AMD issued for its hwID, and the report's signature is checked with that VCEK. The claims then carry the
     * hwID from the certificate and say that CHIP_ID was masked.
     */
    private static void checkHardwareId(X509Certificate vcek, SnpReport report, boolean turin) throws AttestationException {
        if (report.maskChipId()) {
            return;
        }
        byte[] hwid = VcekExtensions.hwId(vcek);
        byte[] chip = report.chipId();
        byte[] expected = turin ? Arrays.copyOf(chip, 8) : chip;
        if (!Arrays.equals(hwid, expected)) {
            throw new AttestationException("VCEK certificate hwID", HEX.formatHex(hwid),
                    HEX.formatHex(expected) + " (the report's chip_id)");
        }
    }

    private static void checkSignature(SnpReport report, X509Certificate signer, String keyName) throws AttestationException {
        byte[] rs = new byte[96];
        System.arraycopy(littleEndianToBig48(report.signatureR(), "R"), 0, rs, 0, 48);
        System.arraycopy(littleEndianToBig48(report.signatureS(), "S"), 0, rs, 48, 48);
        if (!Signatures.ecdsaP1363("SHA384", signer.getPublicKey(), report.signedBytes(), rs)) {
            throw new AttestationException("SNP report signature", "invalid: does not verify with the " + keyName,
                    "a valid ECDSA P-384 signature over bytes 0x000..0x29F");
        }
    }

    private static byte[] littleEndianToBig48(byte[] le72, String name) throws AttestationException {
        for (int i = 48; i < 72; i++) {
            if (le72[i] != 0) {
                throw new AttestationException("SNP report signature " + name + " component", "wider than 384 bits",
                        "a P-384 scalar zero-padded to 72 bytes");
            }
        }
        byte[] be = new byte[48];
        for (int i = 0; i < 48; i++) {
            be[i] = le72[47 - i];
        }
        return be;
    }

    private static Claims claims(SnpReport r, AmdTrust product, boolean vlek, TcbVersion reported, boolean crlChecked,
                                 X509Certificate signer) {
        Optional<byte[]> hwId = r.maskChipId() && !vlek ? Optional.of(VcekExtensions.hwId(signer)) : Optional.empty();
        return new Claims(r.measurement(), r.reportData(), r.debug(), new SnpClaims(r, product.productName(),
                vlek ? SnpClaims.SigningKey.VLEK : SnpClaims.SigningKey.VCEK, reported, hwId,
                crlChecked ? Set.of() : Set.of(CollateralKind.AMD_CRL)));
    }
}
