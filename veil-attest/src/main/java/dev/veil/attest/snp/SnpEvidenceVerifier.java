package dev.veil.attest.snp;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Claims;
import dev.veil.attest.EvidenceVerifier;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.x509.CertificateSet;
import dev.veil.attest.x509.Signatures;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
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
        CertificateSet certs = CertificateSet.from(options.allCollateral());
        List<X509Certificate> candidates = certs.withCommonName("SEV-" + keyName);
        if (candidates.isEmpty()) {
            throw new AttestationException(keyName + " certificate", "missing from the supplied certificates",
                    "the " + keyName + " for this chip and TCB (AMD KDS; pass it with --certs or in --collateral)");
        }
        if (candidates.size() == 1) {
            return verifyWith(report, candidates.get(0), vlek, keyName, options);
        }
        List<String> reasons = new ArrayList<>();
        for (X509Certificate signer : candidates) {
            try {
                return verifyWith(report, signer, vlek, keyName, options);
            } catch (AttestationException e) {
                reasons.add(e.getMessage());
            }
        }
        throw new AttestationException("each of " + candidates.size() + " " + keyName + " certificates", reasons.toString(),
                "a " + keyName + " that chains to a pinned AMD root and signs this report");
    }

    private Claims verifyWith(SnpReport report, X509Certificate signer, boolean vlek, String keyName,
                              VerificationOptions options) throws AttestationException {
        AmdTrust product = chain(signer, vlek, keyName, options.at());
        X509Certificate intermediate = product.intermediate(vlek);
        boolean crlChecked = AmdRevocation.check(product, List.of(intermediate, signer),
                List.of(product.intermediateRole(vlek), keyName), options);
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
        return claims(report, product, keyName, reported, turin, crlChecked, signer);
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

    private static Claims claims(SnpReport r, AmdTrust product, String keyName, TcbVersion reported, boolean turin,
                                 boolean crlChecked, X509Certificate signer) {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("report_version", Integer.toString(r.version()));
        d.put("product", product.productName());
        d.put("signing_key", keyName);
        d.put("policy", String.format("0x%x", r.policy()));
        d.put("policy_smt_allowed", Boolean.toString(r.policyBit(SnpReport.POLICY_SMT)));
        d.put("policy_migrate_ma", Boolean.toString(r.policyBit(SnpReport.POLICY_MIGRATE_MA)));
        d.put("policy_single_socket", Boolean.toString(r.policyBit(SnpReport.POLICY_SINGLE_SOCKET)));
        d.put("policy_cxl_allow", Boolean.toString(r.policyBit(SnpReport.POLICY_CXL_ALLOW)));
        d.put("policy_mem_aes_256_xts", Boolean.toString(r.policyBit(SnpReport.POLICY_MEM_AES_256_XTS)));
        d.put("policy_rapl_dis", Boolean.toString(r.policyBit(SnpReport.POLICY_RAPL_DIS)));
        d.put("policy_ciphertext_hiding_dram", Boolean.toString(r.policyBit(SnpReport.POLICY_CIPHERTEXT_HIDING_DRAM)));
        d.put("policy_page_swap_disable", Boolean.toString(r.policyBit(SnpReport.POLICY_PAGE_SWAP_DISABLE)));
        d.put("vmpl", Integer.toString(r.vmpl()));
        d.put("guest_svn", Integer.toString(r.guestSvn()));
        d.put("reported_tcb", reported.toString());
        if (turin) {
            d.put("reported_tcb.fmc", Integer.toString(reported.fmc()));
        }
        d.put("reported_tcb.bl", Integer.toString(reported.bootloader()));
        d.put("reported_tcb.tee", Integer.toString(reported.tee()));
        d.put("reported_tcb.snp", Integer.toString(reported.snp()));
        d.put("reported_tcb.ucode", Integer.toString(reported.microcode()));
        d.put("current_tcb", TcbVersion.decode(r.currentTcb(), turin).toString());
        d.put("committed_tcb", TcbVersion.decode(r.committedTcb(), turin).toString());
        d.put("platform_info", String.format("0x%x", r.platformInfo()));
        d.put("smt_enabled", Boolean.toString((r.platformInfo() & 1) != 0));
        d.put("host_data", HEX.formatHex(r.hostData()));
        d.put("family_id", HEX.formatHex(r.familyId()));
        d.put("image_id", HEX.formatHex(r.imageId()));
        d.put("id_key_digest", HEX.formatHex(r.idKeyDigest()));
        d.put("author_key_digest", HEX.formatHex(r.authorKeyDigest()));
        d.put("chip_id", HEX.formatHex(r.chipId()));
        d.put("chip_id_masked", Boolean.toString(r.maskChipId()));
        if (r.maskChipId() && keyName.equals("VCEK")) {
            d.put("vcek_hw_id", HEX.formatHex(VcekExtensions.hwId(signer)));
        }
        d.put("author_key_en", Boolean.toString(r.authorKeyEnabled()));
        d.put("report_id", HEX.formatHex(r.reportId()));
        d.put("report_id_ma", HEX.formatHex(r.reportIdMa()));
        if (r.version() >= 3) {
            d.put("cpuid", String.format("family 0x%02X model 0x%02X stepping %d", r.cpuidFamily(), r.cpuidModel(), r.cpuidStepping()));
        }
        d.put("tcb_status", "not assessed: AMD publishes no TCB status; compare reported_tcb with your minimum");
        d.put("collateral_missing", crlChecked ? "" : "amd_crl");
        return new Claims(Platform.SEV_SNP, r.measurement(), r.reportData(), r.debug(), d);
    }
}
