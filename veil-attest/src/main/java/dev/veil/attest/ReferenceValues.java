package dev.veil.attest;

import dev.veil.attest.policy.EvidencePolicy;
import dev.veil.attest.policy.PolicyCheck;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * What the relying parties accept: platform, launch measurements, whether debug TEEs are tolerated and whether the
 * insecure simulation may be used at all, plus platform claims pinned exactly (RTMRs, MRSIGNER, PCRs, VMPL, SNP
 * policy bits…), minimum TCB components, accepted TCB statuses and forbidden advisories. Nothing is accepted
 * implicitly: an empty measurement list accepts nothing.
 */
public record ReferenceValues(Platform platform, List<String> measurements, boolean allowDebug, boolean allowSimulated,
                              Map<String, String> claims, Map<String, Integer> minTcb, List<String> tcbStatuses,
                              List<String> forbiddenAdvisories) {
    public ReferenceValues {
        claims = claims == null ? Map.of() : Map.copyOf(claims);
        minTcb = minTcb == null ? Map.of() : Map.copyOf(minTcb);
        tcbStatuses = tcbStatuses == null ? List.of() : List.copyOf(tcbStatuses);
        forbiddenAdvisories = forbiddenAdvisories == null ? List.of() : List.copyOf(forbiddenAdvisories);
    }

    public ReferenceValues(Platform platform, List<String> measurements, boolean allowDebug, boolean allowSimulated) {
        this(platform, measurements, allowDebug, allowSimulated, Map.of(), Map.of(), List.of(), List.of());
    }

    /**
     * Holds verified claims against these values and the report data the caller computed for this session.
     * Returns every failure, not just the first, so a denial explains itself fully.
     */
    public List<ClaimFailure> check(Claims claims, byte[] expectedReportData) {
        List<ClaimFailure> failures = new ArrayList<>();
        if (claims.platform() != platform) {
            failures.add(new ClaimFailure("platform", claims.platform().id(), platform.id()));
        }
        if (claims.simulated() && !allowSimulated) {
            failures.add(new ClaimFailure("simulated TEE", "sim (insecure, no hardware protection)",
                    "real hardware; set allow_simulated only for development"));
        }
        if (claims.debug() && !allowDebug) {
            failures.add(new ClaimFailure("debug", "true (the host can read the TEE's memory)", "false"));
        }
        if (measurements.isEmpty()) {
            failures.add(new ClaimFailure("measurement", claims.measurementHex(), "a measurement listed in the reference values (none are)"));
        }
        EvidencePolicy rest = new EvidencePolicy(measurements, null, true, this.claims, minTcb, tcbStatuses, forbiddenAdvisories);
        for (PolicyCheck c : EvidencePolicy.failures(rest.evaluate(claims))) {
            failures.add(new ClaimFailure(c.claim(), c.found(), c.expected()));
        }
        if (!MessageDigest.isEqual(claims.reportData(), expectedReportData)) {
            failures.add(new ClaimFailure("report_data", claims.reportDataHex(),
                    HexFormat.of().formatHex(expectedReportData) + " (binding of this session's nonce, contract and enclave keys)"));
        }
        return failures;
    }

    /** As {@link #check} but throws when anything failed. */
    public void require(Claims claims, byte[] expectedReportData) throws AttestationException {
        List<ClaimFailure> failures = check(claims, expectedReportData);
        if (!failures.isEmpty()) {
            throw new AttestationException(failures);
        }
    }
}
