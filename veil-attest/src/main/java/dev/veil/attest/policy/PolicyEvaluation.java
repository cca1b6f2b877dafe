package dev.veil.attest.policy;

import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Holds verified claims to reference values. Every rule runs and reports, so a denial explains itself fully. A claim
 * the verifier did not report is never taken as good news: an absent {@code collateral_missing} on a platform that
 * uses collateral means "all of it may be missing", an absent {@code tcb_status} is not {@code UpToDate}.
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
        rv.claims().forEach((k, v) -> {
            String found = c.details().getOrDefault(k, "(absent)");
            out.add(new PolicyCheck(k, found, v, found.equals(v)));
        });
        if (rv.platform() == Platform.SEV_SNP) {
            snpChecks(rv, c, out);
        }
        if (rv.platform().usesIntelTcbInfo()) {
            intelTcbChecks(rv, c, out);
        }
        collateralCheck(rv, c, out);
        return out;
    }

    private static void snpChecks(ReferenceValues rv, Claims c, List<PolicyCheck> out) {
        if (!rv.claims().containsKey("vmpl")) {
            String vmpl = c.details().getOrDefault("vmpl", "(absent)");
            out.add(new PolicyCheck("vmpl", vmpl, "0 (the default; pin claims.vmpl to accept another level)", vmpl.equals("0")));
        }
        if (!rv.claims().containsKey(ReferenceValuesRules.MIGRATE_MA)) {
            String ma = c.details().getOrDefault(ReferenceValuesRules.MIGRATE_MA, "(absent)");
            out.add(new PolicyCheck(ReferenceValuesRules.MIGRATE_MA, ma, "false (the default: the host chooses the migration agent, "
                    + "which can export the guest's memory; pin claims.policy_migrate_ma to true to accept it)", ma.equals("false")));
        }
        if (rv.minTcb().isEmpty()) {
            boolean waived = rv.waivers().noSnpMinTcb();
            out.add(new PolicyCheck("reported_tcb", c.details().getOrDefault("reported_tcb", "(absent)"),
                    waived ? "any (no_snp_min_tcb waived)" : "a minimum set in min_tcb (none is; or waive no_snp_min_tcb)", waived));
            return;
        }
        ReferenceValuesRules.SNP_TCB_COMPONENTS.stream().sorted().forEach(component -> {
            String found = c.details().get("reported_tcb." + component);
            Integer min = rv.minTcb().get(component);
            if (min != null) {
                out.add(new PolicyCheck("reported_tcb." + component, found == null ? "(absent)" : found, ">= " + min, atLeast(found, min)));
            } else if (found != null || ReferenceValuesRules.SNP_TCB_COMPONENTS_ALWAYS_REPORTED.contains(component)) {
                // A minimum for some components is not a minimum for the others: an unnamed one would pass at any version.
                out.add(new PolicyCheck("reported_tcb." + component, found == null ? "(absent)" : found,
                        "a minimum in min_tcb." + component + " (none is set; every reported component needs one)", false));
            }
        });
    }

    private static void intelTcbChecks(ReferenceValues rv, Claims c, List<PolicyCheck> out) {
        List<String> waivedStatuses = rv.waivers().tcbStatuses();
        String status = c.details().getOrDefault("tcb_status", "(absent)");
        out.add(new PolicyCheck("tcb_status", status, waivedStatuses.isEmpty() ? ReferenceValuesRules.UP_TO_DATE
                : "one of " + concat(ReferenceValuesRules.UP_TO_DATE, waivedStatuses),
                status.equals(ReferenceValuesRules.UP_TO_DATE) || waivedStatuses.contains(status)));
        String ids = c.details().get("advisory_ids");
        List<String> found = ids == null ? List.of() : split(ids);
        List<String> unwaived = found.stream().filter(a -> !rv.waivers().advisories().contains(a)).toList();
        out.add(new PolicyCheck("advisory_ids", ids == null ? "(absent)" : found.toString(),
                rv.waivers().advisories().isEmpty() ? "none" : "none beyond the waived " + rv.waivers().advisories(),
                ids != null && unwaived.isEmpty()));
        if (rv.minTcbEvaluationDataNumber() != null) {
            String n = c.details().get("tcb_evaluation_data_number");
            out.add(new PolicyCheck("tcb_evaluation_data_number", n == null ? "(absent)" : n,
                    ">= " + rv.minTcbEvaluationDataNumber(), atLeast(n, rv.minTcbEvaluationDataNumber())));
        }
    }

    private static void collateralCheck(ReferenceValues rv, Claims c, List<PolicyCheck> out) {
        String reported = c.details().get("collateral_missing");
        List<String> missing;
        String found;
        if (reported == null) {
            if (rv.platform().collateralKinds().isEmpty()) {
                return;
            }
            missing = rv.platform().collateralKinds();
            found = "(not reported, so taken as all of " + missing + ")";
        } else {
            missing = split(reported);
            found = missing.isEmpty() ? "none" : missing.toString();
        }
        List<String> waived = rv.waivers().missingCollateral();
        out.add(new PolicyCheck("collateral_missing", found,
                waived.isEmpty() ? "none" : "none beyond the waived " + waived,
                waived.containsAll(missing)));
    }

    private static boolean atLeast(String found, int min) {
        try {
            return found != null && Long.parseLong(found) >= min;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static List<String> split(String commaSeparated) {
        return Arrays.stream(commaSeparated.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>();
        all.add(first);
        all.addAll(rest);
        return all;
    }
}
