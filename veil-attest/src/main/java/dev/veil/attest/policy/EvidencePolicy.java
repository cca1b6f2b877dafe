package dev.veil.attest.policy;

import dev.veil.attest.Claims;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An auditor's policy for standalone verification ({@code veil attest verify --policy}). Every field is optional;
 * only what is set is checked. {@code details} pins any platform claim by name to an exact value (e.g. "vmpl": "0",
 * "signing_key": "VCEK", "rtmr1": "…"). {@code minTcb} (SNP) sets component minimums as in
 * {"bl": 3, "snp": 8, "ucode": 115}. {@code tcbStatuses} lists the accepted DCAP TCB statuses and
 * {@code forbiddenAdvisories} the Intel advisories that must not apply. Debug TEEs are refused unless {@code allowDebug}.
 */
public record EvidencePolicy(List<String> measurements, String reportData, boolean allowDebug, Map<String, String> details,
                             Map<String, Integer> minTcb, List<String> tcbStatuses, List<String> forbiddenAdvisories) {
    public EvidencePolicy {
        measurements = measurements == null ? List.of() : measurements.stream().map(m -> m.toLowerCase(Locale.ROOT)).toList();
        details = details == null ? Map.of() : Map.copyOf(details);
        minTcb = minTcb == null ? Map.of() : Map.copyOf(minTcb);
        tcbStatuses = tcbStatuses == null ? List.of() : List.copyOf(tcbStatuses);
        forbiddenAdvisories = forbiddenAdvisories == null ? List.of() : List.copyOf(forbiddenAdvisories);
    }

    /** The default: every signature and chain check passed (the verifier's job) and the TEE is not in debug mode. */
    public static EvidencePolicy defaults(boolean allowDebug) {
        return new EvidencePolicy(List.of(), null, allowDebug, Map.of(), Map.of(), List.of(), List.of());
    }

    /** All checks, passed and failed, in a stable order. */
    public List<PolicyCheck> evaluate(Claims c) {
        List<PolicyCheck> out = new ArrayList<>();
        out.add(new PolicyCheck("debug", Boolean.toString(c.debug()), allowDebug ? "any (allowed)" : "false",
                allowDebug || !c.debug()));
        if (!measurements.isEmpty()) {
            out.add(new PolicyCheck("measurement", c.measurementHex(), "one of " + measurements,
                    measurements.contains(c.measurementHex())));
        }
        if (reportData != null) {
            out.add(new PolicyCheck("report_data", c.reportDataHex(), reportData.toLowerCase(Locale.ROOT),
                    c.reportDataHex().equals(reportData.toLowerCase(Locale.ROOT))));
        }
        details.forEach((k, v) -> {
            String found = c.details().getOrDefault(k, "(absent)");
            out.add(new PolicyCheck(k, found, v, found.equals(v)));
        });
        if (!tcbStatuses.isEmpty()) {
            String status = c.details().getOrDefault("tcb_status", "(not reported by this platform)");
            out.add(new PolicyCheck("tcb_status", status, "one of " + tcbStatuses, tcbStatuses.contains(status)));
        }
        if (!forbiddenAdvisories.isEmpty()) {
            List<String> found = List.of(c.details().getOrDefault("advisory_ids", "").split(",")).stream()
                    .filter(a -> !a.isBlank()).toList();
            List<String> hit = found.stream().filter(forbiddenAdvisories::contains).toList();
            out.add(new PolicyCheck("advisory_ids", found.toString(), "none of " + forbiddenAdvisories, hit.isEmpty()));
        }
        minTcb.forEach((component, min) -> {
            String found = c.details().get("reported_tcb." + component);
            out.add(new PolicyCheck("reported_tcb." + component, found == null ? "(absent)" : found, ">= " + min,
                    found != null && Integer.parseInt(found) >= min));
        });
        return out;
    }

    public static List<PolicyCheck> failures(List<PolicyCheck> checks) {
        return checks.stream().filter(p -> !p.pass()).toList();
    }
}
