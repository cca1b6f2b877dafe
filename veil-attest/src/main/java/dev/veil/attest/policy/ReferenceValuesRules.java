package dev.veil.attest.policy;

import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import dev.veil.attest.claims.CollateralKind;
import dev.veil.attest.claims.PlatformClaims;
import dev.veil.attest.dcap.TcbStatus;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Which reference values are well formed, and which of their fields relax the safe defaults. Kept apart from the
 * evaluation so the contract, the policy file and the CLI refuse the same mistakes with the same words.
 */
public final class ReferenceValuesRules {
    /** Intel TCB statuses that may be accepted by name besides {@code UpToDate}. {@code Revoked} never may. */
    public static final List<String> WAIVABLE_TCB_STATUSES = List.of("SWHardeningNeeded", "ConfigurationNeeded",
            "ConfigurationAndSWHardeningNeeded", "OutOfDate", "OutOfDateConfigurationNeeded", "TcbNotSupported",
            "TdxModuleMismatch", "Unknown");
    /** SNP TCB components a minimum can be set for (fmc exists on Turin only). */
    public static final List<String> SNP_TCB_COMPONENTS = List.of("bl", "tee", "snp", "ucode", "fmc");
    /** The components every SNP report carries; fmc is reported on Turin only and needs a minimum whenever it is. */
    public static final List<String> SNP_TCB_COMPONENTS_ALWAYS_REPORTED = List.of("bl", "tee", "snp", "ucode");
    /** The SNP claim of guest policy bit MIGRATE_MA, refused when true unless pinned. */
    public static final String MIGRATE_MA = "policy_migrate_ma";
    /** The SNP claim of the report's VMPL, refused unless 0 unless pinned. */
    public static final String VMPL = "vmpl";
    /** The TDX claim of TDATTRIBUTES.MIGRATABLE, refused when true unless pinned. */
    public static final String TD_MIGRATABLE = "td_migratable";
    /**
     * The TDX RTMRs a contract must pin. MRTD measures only the TD's firmware (TDVF); these measure what boots on it,
     * so a contract without them accepts any OS the host boots on the pinned firmware. RTMR3 is not among them: it is
     * extended at run time, so its value is rarely known before a session.
     */
    public static final List<String> TDX_BOOT_RTMRS = List.of("rtmr0", "rtmr1", "rtmr2");
    /** What each of {@link #TDX_BOOT_RTMRS} measures, for the relaxation's words. */
    private static final Map<String, String> RTMR_MEASURES = Map.of("rtmr0", "firmware configuration (ACPI tables, TD HOB)",
            "rtmr1", "OS loader and kernel", "rtmr2", "kernel command line and initrd");
    /** Every TDX RTMR claim; a pin of any of them is a 48-byte value as the claims print it. */
    private static final List<String> TDX_RTMRS = List.of("rtmr0", "rtmr1", "rtmr2", "rtmr3");
    /** SNP pins that replace a default instead of adding a check. */
    static final Set<String> SNP_DEFAULT_PINS = Set.of(VMPL, MIGRATE_MA);
    /** TDX pins that replace a default instead of adding a check. */
    static final Set<String> TDX_DEFAULT_PINS = Set.of(TD_MIGRATABLE);
    static final String UP_TO_DATE = TcbStatus.UP_TO_DATE.text();
    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]*");
    private static final Pattern RTMR = Pattern.compile("[0-9a-f]{96}");
    private static final Pattern ADVISORY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private ReferenceValuesRules() {
    }

    /** One line per problem; empty when the reference values are well formed. */
    public static List<String> problems(ReferenceValues rv) {
        List<String> out = new ArrayList<>();
        Platform p = rv.platform();
        if (p == null) {
            out.add("platform is missing; set it to sim, snp, tdx, sgx or nitro");
            return out;
        }
        if (rv.measurements().isEmpty()) {
            out.add("no accepted measurement is listed");
        }
        for (String m : rv.measurements()) {
            String problem = measurementProblem(p, m);
            if (problem != null) {
                out.add(problem);
            }
        }
        rv.claims().forEach((k, v) -> {
            if (k.isBlank() || v == null) {
                out.add("claims must map claim names to values");
            } else if (!PlatformClaims.names(p).contains(k)) {
                out.add("claims." + shorten(k) + " is not a claim " + p.id() + " evidence carries; pin one of "
                        + new TreeSet<>(PlatformClaims.names(p)));
            }
        });
        String vmpl = rv.claims().get(VMPL);
        if (vmpl != null && (p != Platform.SEV_SNP || !List.of("0", "1", "2", "3").contains(vmpl))) {
            out.add("claims.vmpl must be 0, 1, 2 or 3 and applies to platform snp only");
        }
        String ma = rv.claims().get(MIGRATE_MA);
        if (ma != null && (p != Platform.SEV_SNP || !List.of("true", "false").contains(ma))) {
            out.add("claims.policy_migrate_ma must be true or false and applies to platform snp only");
        }
        String migratable = rv.claims().get(TD_MIGRATABLE);
        if (migratable != null && (p != Platform.TDX || !List.of("true", "false").contains(migratable))) {
            out.add("claims.td_migratable must be true or false and applies to platform tdx only");
        }
        if (p == Platform.TDX) {
            rtmrProblems(rv, out);
        }
        if (rv.allowSimulated() && p != Platform.SIM) {
            out.add("allow_simulated applies to platform sim only");
        }
        if (!rv.minTcb().isEmpty() && p != Platform.SEV_SNP) {
            out.add("min_tcb applies to platform snp only");
        }
        rv.minTcb().forEach((component, min) -> {
            if (!SNP_TCB_COMPONENTS.contains(component)) {
                out.add("min_tcb component '" + component + "' is not one of " + SNP_TCB_COMPONENTS);
            } else if (min == null || min < 0 || min > 255) {
                out.add("min_tcb." + component + " must be 0..255");
            }
        });
        if (rv.minTcbEvaluationDataNumber() != null) {
            if (!p.usesIntelTcbInfo()) {
                out.add("min_tcb_evaluation_data_number applies to platforms tdx and sgx only");
            } else if (rv.minTcbEvaluationDataNumber() < 0) {
                out.add("min_tcb_evaluation_data_number must not be negative");
            }
        }
        waiverProblems(rv, p, out);
        return out;
    }

    /**
     * A TDX contract pins RTMR0..2 or says by name that it trusts any OS on the pinned firmware: MRTD alone would let
     * the host boot a kernel and application of its choosing and still pass appraisal. A pin that is not a 48-byte
     * lowercase value could never match a claim, so it is refused here rather than at every session.
     */
    private static void rtmrProblems(ReferenceValues rv, List<String> out) {
        for (String r : TDX_RTMRS) {
            String v = rv.claims().get(r);
            if (v != null && !RTMR.matcher(v).matches()) {
                out.add("claims." + r + " must be 96 lowercase hex digits (48 bytes), as veil attest verify prints it under \"claims\"");
            }
        }
        List<String> unpinned = unpinnedBootRtmrs(rv);
        boolean waived = rv.waivers().noTdxRtmrPins();
        if (!unpinned.isEmpty() && !waived) {
            out.add("claims rtmr0, rtmr1 and rtmr2 must be pinned on tdx (not pinned: " + String.join(", ", unpinned)
                    + "): MRTD measures only the TD firmware, so without them any kernel, initrd and command line the host boots "
                    + "on it pass; copy each (96 hex digits) from \"claims\" of veil attest verify on a quote of your TD, or set "
                    + "waivers.no_tdx_rtmr_pins to trust any OS on the pinned firmware");
        }
        if (unpinned.isEmpty() && waived) {
            out.add("waivers.no_tdx_rtmr_pins contradicts the pins of rtmr0, rtmr1 and rtmr2; keep one");
        }
    }

    private static List<String> unpinnedBootRtmrs(ReferenceValues rv) {
        return TDX_BOOT_RTMRS.stream().filter(r -> !rv.claims().containsKey(r)).toList();
    }

    /** Why {@code hex} cannot be a launch measurement of {@code p}, or null when it can. */
    public static String measurementProblem(Platform p, String hex) {
        int want = p.measurementLength();
        String expect = "a " + p.id() + " measurement (" + p.measurementName() + ") is " + want + " bytes = " + (2 * want)
                + " hex digits";
        if (hex == null || !HEX.matcher(hex).matches()) {
            return "measurement '" + shorten(hex) + "' is not hex; " + expect;
        }
        if (hex.length() != 2 * want) {
            return "measurement '" + shorten(hex) + "' has " + hex.length() + " hex digits; " + expect;
        }
        if (!hex.equals(hex.toLowerCase(java.util.Locale.ROOT))) {
            return "measurement '" + shorten(hex) + "' must be lowercase hex";
        }
        return null;
    }

    private static void waiverProblems(ReferenceValues rv, Platform p, List<String> out) {
        Waivers w = rv.waivers();
        duplicates("waivers.tcb_statuses", w.tcbStatuses(), out);
        duplicates("waivers.advisories", w.advisories(), out);
        duplicates("waivers.missing_collateral", w.missingCollateral(), out);
        if (!w.tcbStatuses().isEmpty() && !p.usesIntelTcbInfo()) {
            out.add("waivers.tcb_statuses apply to platforms tdx and sgx only");
        }
        for (String s : w.tcbStatuses()) {
            if (UP_TO_DATE.equals(s)) {
                out.add("waivers.tcb_statuses lists UpToDate, which is always accepted; remove it");
            } else if ("Revoked".equals(s)) {
                out.add("waivers.tcb_statuses lists Revoked: a revoked platform cannot be waived");
            } else if (!WAIVABLE_TCB_STATUSES.contains(s)) {
                out.add("waivers.tcb_statuses lists '" + shorten(s) + "', not one of " + WAIVABLE_TCB_STATUSES);
            }
        }
        if (!w.advisories().isEmpty() && !p.usesIntelTcbInfo()) {
            out.add("waivers.advisories apply to platforms tdx and sgx only");
        }
        for (String a : w.advisories()) {
            if (a == null || !ADVISORY.matcher(a).matches()) {
                out.add("waivers.advisories lists '" + shorten(a) + "', which is not an advisory id such as INTEL-SA-00615");
            }
        }
        for (String k : w.missingCollateral()) {
            if (CollateralKind.byId(k).filter(p.collateralKinds()::contains).isEmpty()) {
                out.add("waivers.missing_collateral lists '" + shorten(k) + "', not a collateral kind of " + p.id()
                        + (p.collateralKinds().isEmpty() ? " (it uses none)" : " (one of " + p.collateralKinds() + ")"));
            }
        }
        if (w.noSnpMinTcb() && p != Platform.SEV_SNP) {
            out.add("waivers.no_snp_min_tcb applies to platform snp only");
        }
        if (w.noSnpMinTcb() && !rv.minTcb().isEmpty()) {
            out.add("waivers.no_snp_min_tcb contradicts min_tcb; keep one");
        }
        if (w.noTdxRtmrPins() && p != Platform.TDX) {
            out.add("waivers.no_tdx_rtmr_pins applies to platform tdx only");
        }
    }

    /** A waiver listed twice would be shown twice, as if two things were relaxed. */
    private static void duplicates(String field, List<String> values, List<String> out) {
        Set<String> seen = new HashSet<>();
        for (String v : values) {
            if (!seen.add(v)) {
                out.add(field + " lists '" + shorten(v) + "' more than once; list each once");
            }
        }
    }

    /** Every relaxation of the safe defaults, one line each. */
    public static List<String> relaxations(ReferenceValues rv) {
        List<String> out = new ArrayList<>();
        if (rv.allowSimulated()) {
            out.add("allow_simulated: accepts the INSECURE simulated TEE, which has no hardware protection (development only)");
        }
        if (rv.allowDebug()) {
            out.add("allow_debug: accepts debug TEEs, whose memory the host can read");
        }
        String vmpl = rv.claims().get(VMPL);
        if (rv.platform() == Platform.SEV_SNP && vmpl != null && !vmpl.equals("0")) {
            out.add("claims.vmpl: accepts SNP reports from VMPL " + vmpl + " instead of 0 (a less privileged guest layer)");
        }
        if (rv.platform() == Platform.SEV_SNP && "true".equals(rv.claims().get(MIGRATE_MA))) {
            out.add("claims.policy_migrate_ma: accepts SNP guests whose policy allows a migration agent, chosen by the host "
                    + "at launch, which can export the guest's memory");
        }
        if (rv.platform() == Platform.TDX && "true".equals(rv.claims().get(TD_MIGRATABLE))) {
            out.add("claims.td_migratable: accepts TDX TDs created migratable, whose memory a Migration TD bound by the host "
                    + "can export");
        }
        Waivers w = rv.waivers();
        if (w.noSnpMinTcb()) {
            out.add("waivers.no_snp_min_tcb: accepts SNP firmware and microcode of any TCB version, however old");
        }
        if (w.noTdxRtmrPins()) {
            List<String> unpinned = unpinnedBootRtmrs(rv);
            out.add("waivers.no_tdx_rtmr_pins: accepts any OS the host boots on the pinned TDX firmware" + (unpinned.isEmpty() ? ""
                    : " (not pinned: " + String.join(", ", unpinned.stream().map(r -> r + " " + RTMR_MEASURES.get(r)).toList()) + ")"));
        }
        for (String s : w.tcbStatuses()) {
            out.add("waivers.tcb_statuses: accepts Intel TCB status " + s + " (not UpToDate)");
        }
        for (String a : w.advisories()) {
            out.add("waivers.advisories: accepts a platform affected by " + a);
        }
        for (String k : w.missingCollateral()) {
            out.add("waivers.missing_collateral: accepts evidence verified without "
                    + CollateralKind.byId(k).map(CollateralKind::meaning).orElse(k));
        }
        return out;
    }

    private static String shorten(String s) {
        if (s == null) {
            return "null";
        }
        String printable = s.replaceAll("[^\\x20-\\x7e]", "?");
        return printable.length() > 40 ? printable.substring(0, 40) + "..." : printable;
    }
}
