package dev.veil.attest;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * What the relying parties accept: platform, launch measurements, whether debug TEEs are tolerated and whether the
 * insecure simulation may be used at all. Nothing is accepted implicitly: an empty measurement list accepts nothing.
 */
public record ReferenceValues(Platform platform, List<String> measurements, boolean allowDebug, boolean allowSimulated) {
    public ReferenceValues {
        measurements = measurements.stream().map(m -> m.toLowerCase(Locale.ROOT)).toList();
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
        if (!measurements.contains(claims.measurementHex())) {
            failures.add(new ClaimFailure("measurement", claims.measurementHex(),
                    measurements.isEmpty() ? "a measurement listed in the reference values (none are)" : "one of " + measurements));
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
