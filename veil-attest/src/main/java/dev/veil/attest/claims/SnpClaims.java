package dev.veil.attest.claims;

import dev.veil.attest.Platform;
import dev.veil.attest.snp.SnpReport;
import dev.veil.attest.snp.TcbVersion;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * SEV-SNP claims: the verified attestation report itself, what its signature chain established, and its reported
 * TCB decoded for the chain's product line.
 *
 * @param report the ATTESTATION_REPORT whose signature verified
 * @param product the AMD product line whose pinned ARK anchors the chain (Milan, Genoa, Turin)
 * @param signingKey which chip key signed it
 * @param reportedTcb the report's REPORTED_TCB, the TCB the VCEK/VLEK was issued for
 * @param vcekHwId the VCEK's hardware id, reported when the report masks its chip id
 * @param collateralMissing {@link CollateralKind#AMD_CRL} when AMD's CRL was not consulted
 */
public record SnpClaims(SnpReport report, String product, SigningKey signingKey, TcbVersion reportedTcb,
                        Optional<byte[]> vcekHwId, Set<CollateralKind> collateralMissing) implements PlatformClaims {
    static final Set<String> NAMES = Set.of("report_version", "product", "signing_key", "policy", "policy_smt_allowed",
            "policy_migrate_ma", "policy_single_socket", "policy_cxl_allow", "policy_mem_aes_256_xts", "policy_rapl_dis",
            "policy_ciphertext_hiding_dram", "policy_page_swap_disable", "vmpl", "guest_svn", "reported_tcb",
            "reported_tcb.fmc", "reported_tcb.bl", "reported_tcb.tee", "reported_tcb.snp", "reported_tcb.ucode", "current_tcb",
            "committed_tcb", "platform_info", "smt_enabled", "host_data", "family_id", "image_id", "id_key_digest",
            "author_key_digest", "chip_id", "chip_id_masked", "vcek_hw_id", "author_key_en", "report_id", "report_id_ma", "cpuid",
            "tcb_status", "collateral_missing");
    private static final HexFormat HEX = HexFormat.of();

    /** The chip key that signs SNP reports: the per-chip VCEK or the cloud provider's VLEK. */
    public enum SigningKey { VCEK, VLEK }

    public SnpClaims {
        vcekHwId = vcekHwId.map(byte[]::clone);
        Objects.requireNonNull(collateralMissing, "collateralMissing");
        collateralMissing = collateralMissing.isEmpty() ? Set.of()
                : Collections.unmodifiableSet(EnumSet.copyOf(collateralMissing));
    }

    @Override
    public Optional<byte[]> vcekHwId() {
        return vcekHwId.map(byte[]::clone);
    }

    @Override
    public Platform platform() {
        return Platform.SEV_SNP;
    }

    /** The virtual machine privilege level that asked for the report; 0 is the guest's most privileged. */
    public int vmpl() {
        return report.vmpl();
    }

    /** Guest policy bit MIGRATE_MA: the host may associate a migration agent, which can export the guest's memory. */
    public boolean migrationAgentAllowed() {
        return report.policyBit(SnpReport.POLICY_MIGRATE_MA);
    }

    @Override
    public Map<String, String> byName() {
        SnpReport r = report;
        boolean turin = reportedTcb.turin();
        Map<String, String> d = new LinkedHashMap<>();
        d.put("report_version", Integer.toString(r.version()));
        d.put("product", product);
        d.put("signing_key", signingKey.name());
        d.put("policy", String.format("0x%x", r.policy()));
        d.put("policy_smt_allowed", Boolean.toString(r.policyBit(SnpReport.POLICY_SMT)));
        d.put("policy_migrate_ma", Boolean.toString(migrationAgentAllowed()));
        d.put("policy_single_socket", Boolean.toString(r.policyBit(SnpReport.POLICY_SINGLE_SOCKET)));
        d.put("policy_cxl_allow", Boolean.toString(r.policyBit(SnpReport.POLICY_CXL_ALLOW)));
        d.put("policy_mem_aes_256_xts", Boolean.toString(r.policyBit(SnpReport.POLICY_MEM_AES_256_XTS)));
        d.put("policy_rapl_dis", Boolean.toString(r.policyBit(SnpReport.POLICY_RAPL_DIS)));
        d.put("policy_ciphertext_hiding_dram", Boolean.toString(r.policyBit(SnpReport.POLICY_CIPHERTEXT_HIDING_DRAM)));
        d.put("policy_page_swap_disable", Boolean.toString(r.policyBit(SnpReport.POLICY_PAGE_SWAP_DISABLE)));
        d.put("vmpl", Integer.toString(vmpl()));
        d.put("guest_svn", Integer.toString(r.guestSvn()));
        d.put("reported_tcb", reportedTcb.toString());
        reportedTcb.levels().forEach((component, level) -> d.put("reported_tcb." + component.id(), Integer.toString(level)));
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
        vcekHwId.ifPresent(id -> d.put("vcek_hw_id", HEX.formatHex(id)));
        d.put("author_key_en", Boolean.toString(r.authorKeyEnabled()));
        d.put("report_id", HEX.formatHex(r.reportId()));
        d.put("report_id_ma", HEX.formatHex(r.reportIdMa()));
        if (r.version() >= 3) {
            d.put("cpuid", String.format("family 0x%02X model 0x%02X stepping %d", r.cpuidFamily(), r.cpuidModel(), r.cpuidStepping()));
        }
        d.put("tcb_status", "not assessed: AMD publishes no TCB status; compare reported_tcb with your minimum");
        d.put("collateral_missing", CollateralKind.claimText(collateralMissing));
        return Collections.unmodifiableMap(d);
    }
}
