package dev.veil.protocol.contract;

import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import java.util.List;
import java.util.Map;

/**
 * The contract's reference values for the enclave. Nothing implicit: simulation and debug must be allowed by name.
 * Beyond the launch measurement, {@code claims} pins platform claims exactly (e.g. "rtmr1", "mrsigner", "pcr1",
 * "vmpl", "policy_migrate_ma"), {@code minTcb} sets SNP TCB minimums ("bl", "tee", "snp", "ucode", "fmc"),
 * {@code tcbStatuses} lists accepted DCAP TCB statuses, {@code forbiddenAdvisories} Intel advisories that must not
 * apply. Empty means "not checked".
 */
public record EnclavePolicy(String platform, List<String> measurements, boolean allowDebug, boolean allowSimulated,
                            Map<String, String> claims, Map<String, Integer> minTcb, List<String> tcbStatuses,
                            List<String> forbiddenAdvisories) {
    public EnclavePolicy {
        measurements = List.copyOf(measurements);
        claims = claims == null ? Map.of() : Map.copyOf(claims);
        minTcb = minTcb == null ? Map.of() : Map.copyOf(minTcb);
        tcbStatuses = tcbStatuses == null ? List.of() : List.copyOf(tcbStatuses);
        forbiddenAdvisories = forbiddenAdvisories == null ? List.of() : List.copyOf(forbiddenAdvisories);
    }

    public EnclavePolicy(String platform, List<String> measurements, boolean allowDebug, boolean allowSimulated) {
        this(platform, measurements, allowDebug, allowSimulated, Map.of(), Map.of(), List.of(), List.of());
    }

    public ReferenceValues referenceValues() {
        return new ReferenceValues(Platform.fromId(platform), measurements, allowDebug, allowSimulated, claims, minTcb,
                tcbStatuses, forbiddenAdvisories);
    }
}
