package dev.veil.attest.claims;

import dev.veil.attest.Platform;
import dev.veil.attest.dcap.ReportBody;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Intel DCAP claims, TDX or SGX by the report body the verified quote carries: the body itself, Intel's TCB verdict,
 * the collateral the verifier lacked, and where the verdict came from.
 */
public record DcapClaims(ReportBody body, IntelTcb tcb, Set<CollateralKind> collateralMissing, DcapProvenance provenance)
        implements PlatformClaims {
    private static final Set<String> COMMON_NAMES = Set.of("quote_version", "fmspc", "pck_ca", "pck_crl", "qe_identity",
            "collateral_missing", "tcb_evaluation_data_number", "tcb_status", "advisory_ids", "tcb_level", "tcb_info",
            "trailing_bytes");
    static final Set<String> TDX_NAMES = union(COMMON_NAMES, Set.of("tdx_module", "body", "mrtd", "rtmr0", "rtmr1", "rtmr2",
            "rtmr3", "mrconfigid", "mrowner", "mrownerconfig", "mrseam", "mrsignerseam", "td_attributes", "td_migratable", "xfam",
            "tee_tcb_svn", "tee_tcb_svn2", "mrservicetd"));
    static final Set<String> SGX_NAMES = union(COMMON_NAMES, Set.of("mrenclave", "mrsigner", "isv_prod_id", "isv_svn",
            "attributes", "cpu_svn"));
    private static final HexFormat HEX = HexFormat.of();

    public DcapClaims {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(tcb, "tcb");
        Objects.requireNonNull(provenance, "provenance");
        Objects.requireNonNull(collateralMissing, "collateralMissing");
        collateralMissing = collateralMissing.isEmpty() ? Set.of()
                : Collections.unmodifiableSet(EnumSet.copyOf(collateralMissing));
    }

    @Override
    public Platform platform() {
        return body instanceof ReportBody.Td ? Platform.TDX : Platform.SGX;
    }

    @Override
    public Map<String, String> byName() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("quote_version", Integer.toString(provenance.quoteVersion()));
        d.put("fmspc", provenance.fmspc());
        d.put("pck_ca", provenance.pckCa());
        d.put("pck_crl", provenance.pckCrl());
        d.put("qe_identity", provenance.qeIdentity());
        d.put("collateral_missing", CollateralKind.claimText(collateralMissing));
        d.put("tcb_evaluation_data_number", tcb.evaluationDataNumber().isPresent()
                ? Long.toString(tcb.evaluationDataNumber().getAsLong()) : "");
        provenance.tdxModule().ifPresent(m -> d.put("tdx_module", m));
        d.put("tcb_status", tcb.status().text());
        d.put("advisory_ids", String.join(",", tcb.advisoryIds()));
        provenance.tcbLevel().ifPresent(l -> d.put("tcb_level", l));
        provenance.tcbInfo().ifPresent(i -> d.put("tcb_info", i));
        d.put("trailing_bytes", provenance.trailingBytes());
        if (body instanceof ReportBody.Td td) {
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
            d.put("td_migratable", Boolean.toString(td.migratable()));
            d.put("xfam", HEX.formatHex(td.xfam()));
            d.put("tee_tcb_svn", HEX.formatHex(td.teeTcbSvn()));
            if (td.td15()) {
                d.put("tee_tcb_svn2", HEX.formatHex(td.teeTcbSvn2()));
                d.put("mrservicetd", HEX.formatHex(td.mrServiceTd()));
            }
        } else if (body instanceof ReportBody.Sgx sgx) {
            d.put("mrenclave", HEX.formatHex(sgx.mrEnclave()));
            d.put("mrsigner", HEX.formatHex(sgx.mrSigner()));
            d.put("isv_prod_id", Integer.toString(sgx.isvProdId()));
            d.put("isv_svn", Integer.toString(sgx.isvSvn()));
            d.put("attributes", HEX.formatHex(sgx.attributes()));
            d.put("cpu_svn", HEX.formatHex(sgx.cpuSvn()));
        }
        return Collections.unmodifiableMap(d);
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }
}
