package dev.veil.attest.policy;

import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import dev.veil.attest.claims.CollateralKind;
import dev.veil.attest.claims.DcapClaims;
import dev.veil.attest.claims.IntelTcb;
import dev.veil.attest.claims.SnpClaims;
import dev.veil.attest.dcap.ReportBody;
import dev.veil.attest.dcap.TcbStatus;
import dev.veil.attest.snp.TcbVersion;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Holds verified claims to reference values. Every rule runs and reports, so a denial explains itself fully. The
 * rules read the platform's typed claims ({@link SnpClaims}, {@link DcapClaims}, the missing collateral), never a
 * claim looked up by a name that could be misspelt; only a contract's exact pins ({@code claims}) compare by name, and
 * {@link ReferenceValuesRules} refuses a pin whose name the platform does not report. What the verifier could not
 * establish is never good news: TCB status {@code Unknown} is not {@code UpToDate}, an absent evaluation data number
 * does not meet a minimum, and a missing collateral kind fails unless waived by name.
 */
public final class PolicyEvaluation {
    private PolicyEvaluation() {
    }

    /** Every check. Evidence of another platform gets the platform check alone. */
    public static List<PolicyCheck> evaluate(ReferenceValues rv, Claims c) {
        return checks(rv, c, true);
    }

    /** Everything but the launch measurement, for evidence checked without pinned measurements. */
    public static List<PolicyCheck> platformChecks(ReferenceValues rv, Claims c) {
        return checks(rv, c, false);
    }

    private static List<PolicyCheck> checks(ReferenceValues rv, Claims c, boolean measurement) {
        List<PolicyCheck> out = new ArrayList<>();
        if (c.platform() != rv.platform()) {
            out.add(new PolicyCheck("platform", c.platform().id(), String.valueOf(rv.platform()), false));
            return out;
        }
        out.add(new PolicyCheck("platform", c.platform().id(), rv.platform().id(), true));
        if (c.simulated()) {
            out.add(new PolicyCheck("simulated TEE", "sim (insecure, no hardware protection)",
                    rv.allowSimulated() ? "sim (allowed by allow_simulated)" : "real hardware; set allow_simulated only for development",
                    rv.allowSimulated()));
        }
        out.add(new PolicyCheck("debug", Boolean.toString(c.debug()),
                rv.allowDebug() ? "any (allowed by allow_debug)" : "false (set allow_debug only for testing: the host can read a debug TEE's memory)",
                rv.allowDebug() || !c.debug()));
        if (measurement) {
            out.add(new PolicyCheck("measurement", c.measurementHex(),
                    rv.measurements().isEmpty() ? "a measurement listed in the reference values (none are)"
                            : "one of " + rv.measurements(),
                    rv.measurements().contains(c.measurementHex())));
        }
        pinnedClaims(rv, c, out);
        if (c.platformClaims() instanceof SnpClaims snp) {
            snpChecks(rv, snp, out);
        }
        if (c.platformClaims() instanceof DcapClaims dcap) {
            if (dcap.body() instanceof ReportBody.Td td) {
                tdChecks(rv, td, out);
            }
            intelTcbChecks(rv, dcap.tcb(), out);
        }
        collateralCheck(rv, c, out);
        return out;
    }

    /** Exact pins by name; the SNP and TDX pins that replace a default are judged with the typed rules instead. */
    private static void pinnedClaims(ReferenceValues rv, Claims c, List<PolicyCheck> out) {
        Map<String, String> named = c.byName();
        rv.claims().forEach((k, v) -> {
            if (c.platformClaims() instanceof SnpClaims && ReferenceValuesRules.SNP_DEFAULT_PINS.contains(k)
                    || c.platform() == Platform.TDX && ReferenceValuesRules.TDX_DEFAULT_PINS.contains(k)) {
                return;
            }
            String found = named.get(k);
            out.add(new PolicyCheck(k, found == null ? "(absent)" : found, v, v.equals(found)));
        });
    }

    private static void snpChecks(ReferenceValues rv, SnpClaims snp, List<PolicyCheck> out) {
        String pinnedVmpl = rv.claims().get(ReferenceValuesRules.VMPL);
        out.add(new PolicyCheck(ReferenceValuesRules.VMPL, Integer.toString(snp.vmpl()),
                pinnedVmpl != null ? pinnedVmpl : "0 (the default; pin claims.vmpl to accept another level)",
                Integer.toString(snp.vmpl()).equals(pinnedVmpl == null ? "0" : pinnedVmpl)));
        String pinnedMa = rv.claims().get(ReferenceValuesRules.MIGRATE_MA);
        out.add(new PolicyCheck(ReferenceValuesRules.MIGRATE_MA, Boolean.toString(snp.migrationAgentAllowed()),
                pinnedMa != null ? pinnedMa : "false (the default: the host chooses the migration agent, "
                        + "which can export the guest's memory; pin claims.policy_migrate_ma to true to accept it)",
                Boolean.toString(snp.migrationAgentAllowed()).equals(pinnedMa == null ? "false" : pinnedMa)));
        TcbVersion reported = snp.reportedTcb();
        if (rv.minTcb().isEmpty()) {
            boolean waived = rv.waivers().noSnpMinTcb();
            out.add(new PolicyCheck("reported_tcb", reported.toString(),
                    waived ? "any (no_snp_min_tcb waived)" : "a minimum set in min_tcb (none is; or waive no_snp_min_tcb)", waived));
            return;
        }
        Arrays.stream(TcbVersion.Component.values()).sorted(Comparator.comparing(TcbVersion.Component::id)).forEach(component -> {
            OptionalInt found = reported.level(component);
            String shown = found.isPresent() ? Integer.toString(found.getAsInt()) : "(absent)";
            Integer min = rv.minTcb().get(component.id());
            if (min != null) {
                out.add(new PolicyCheck("reported_tcb." + component.id(), shown, ">= " + min,
                        found.isPresent() && found.getAsInt() >= min));
            } else if (found.isPresent()) {
                // A minimum for some components is not a minimum for the others: an unnamed one would pass at any version.
                out.add(new PolicyCheck("reported_tcb." + component.id(), shown,
                        "a minimum in min_tcb." + component.id() + " (none is set; every reported component needs one)", false));
            }
        });
    }

    /**
     * TDATTRIBUTES the host chose that hand the TD's memory to someone else, like SNP's MIGRATE_MA: MIGRATABLE lets a
     * Migration TD the host binds export the TD. Refused unless {@code claims.td_migratable} is pinned to true. (The
     * TUD group, debug, is judged by the debug rule.)
     */
    private static void tdChecks(ReferenceValues rv, ReportBody.Td td, List<PolicyCheck> out) {
        String pinned = rv.claims().get(ReferenceValuesRules.TD_MIGRATABLE);
        out.add(new PolicyCheck(ReferenceValuesRules.TD_MIGRATABLE, Boolean.toString(td.migratable()),
                pinned != null ? pinned : "false (the default: a Migration TD bound by the host can export a migratable TD's "
                        + "memory; pin claims.td_migratable to true to accept it)",
                Boolean.toString(td.migratable()).equals(pinned == null ? "false" : pinned)));
    }

    private static void intelTcbChecks(ReferenceValues rv, IntelTcb tcb, List<PolicyCheck> out) {
        List<String> waivedStatuses = rv.waivers().tcbStatuses();
        String status = tcb.status().text();
        out.add(new PolicyCheck("tcb_status", status, waivedStatuses.isEmpty() ? TcbStatus.UP_TO_DATE.text()
                : "one of " + concat(TcbStatus.UP_TO_DATE.text(), waivedStatuses),
                // Revoked is refused here too, not only by ReferenceValuesRules: a waiver list that reached the
                // evaluation unchecked must still not accept a revoked platform
                tcb.status() == TcbStatus.UP_TO_DATE || tcb.status() != TcbStatus.REVOKED && waivedStatuses.contains(status)));
        List<String> unwaived = tcb.advisoryIds().stream().filter(a -> !rv.waivers().advisories().contains(a)).toList();
        out.add(new PolicyCheck("advisory_ids", tcb.advisoryIds().toString(),
                rv.waivers().advisories().isEmpty() ? "none" : "none beyond the waived " + rv.waivers().advisories(),
                unwaived.isEmpty()));
        if (rv.minTcbEvaluationDataNumber() != null) {
            boolean known = tcb.evaluationDataNumber().isPresent();
            out.add(new PolicyCheck("tcb_evaluation_data_number",
                    known ? Long.toString(tcb.evaluationDataNumber().getAsLong()) : "(absent)",
                    ">= " + rv.minTcbEvaluationDataNumber(),
                    known && tcb.evaluationDataNumber().getAsLong() >= rv.minTcbEvaluationDataNumber()));
        }
    }

    private static void collateralCheck(ReferenceValues rv, Claims c, List<PolicyCheck> out) {
        List<CollateralKind> missing = c.platformClaims().collateralMissing().stream().sorted().toList();
        List<String> waived = rv.waivers().missingCollateral();
        out.add(new PolicyCheck("collateral_missing", missing.isEmpty() ? "none" : missing.toString(),
                waived.isEmpty() ? "none" : "none beyond the waived " + waived,
                waived.containsAll(CollateralKind.ids(missing))));
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>();
        all.add(first);
        all.addAll(rest);
        return all;
    }
}
