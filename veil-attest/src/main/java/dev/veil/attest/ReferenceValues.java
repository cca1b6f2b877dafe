package dev.veil.attest;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.veil.attest.policy.PolicyCheck;
import dev.veil.attest.policy.PolicyEvaluation;
import dev.veil.attest.policy.ReferenceValuesRules;
import dev.veil.attest.policy.Waivers;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * What the relying parties accept, in one typed model: the contract embeds it, {@code veil attest verify --policy}
 * reads it, and every session appraises evidence with it. Safe by default: the TEE must be on {@code platform}
 * with a listed launch measurement, not in debug mode, not simulated; DCAP TCB status {@code UpToDate} with no
 * advisory; every revocation/TCB collateral kind present; SNP at VMPL 0, with no migration agent allowed by the guest
 * policy, and a minimum for every TCB component the report carries; TDX with RTMR0..2 pinned besides MRTD, which
 * measures only the firmware. Each relaxation is a named field
 * ({@code allow_debug}, {@code allow_simulated}, a {@code vmpl} or {@code policy_migrate_ma} pin, {@link Waivers}) and
 * is listed by {@link #relaxations()}.
 *
 * @param measurements accepted launch measurements, lowercase hex of the platform's length; empty accepts nothing
 * @param claims platform claims pinned exactly by the names {@link Claims#byName()} shows (e.g. "rtmr1", "mrsigner",
 *               "pcr1", "policy_migrate_ma"); a name the platform never reports is a problem. A pin only adds a check,
 *               except {@code vmpl} and {@code policy_migrate_ma}, which replace the SNP defaults of 0 and false
 * @param minTcb SNP minimum reported TCB per component ("bl", "tee", "snp", "ucode", "fmc"); every component a
 *               report carries needs one
 * @param minTcbEvaluationDataNumber TDX/SGX: the lowest accepted Intel tcbEvaluationDataNumber, or null for none
 */
public record ReferenceValues(@JsonProperty("platform") Platform platform,
                              @JsonProperty("measurements") List<String> measurements,
                              @JsonProperty("allow_debug") boolean allowDebug,
                              @JsonProperty("allow_simulated") boolean allowSimulated,
                              @JsonProperty("claims") Map<String, String> claims,
                              @JsonProperty("min_tcb") Map<String, Integer> minTcb,
                              @JsonProperty("min_tcb_evaluation_data_number") Integer minTcbEvaluationDataNumber,
                              @JsonProperty("waivers") Waivers waivers) {
    public ReferenceValues {
        measurements = measurements == null ? List.of() : List.copyOf(measurements);
        claims = claims == null ? Map.of() : Map.copyOf(claims);
        minTcb = minTcb == null ? Map.of() : Map.copyOf(minTcb);
        waivers = waivers == null ? Waivers.none() : waivers;
    }

    /** Measurements and the two switches; everything else at its safe default. */
    public ReferenceValues(Platform platform, List<String> measurements, boolean allowDebug, boolean allowSimulated) {
        this(platform, measurements, allowDebug, allowSimulated, Map.of(), Map.of(), null, Waivers.none());
    }

    /** The documented default of every missing field (docs/POLICY.md); the platform is required. */
    @JsonCreator
    static ReferenceValues fromJson(@JsonProperty("platform") Platform platform,
                                    @JsonProperty("measurements") List<String> measurements,
                                    @JsonProperty("allow_debug") Boolean allowDebug,
                                    @JsonProperty("allow_simulated") Boolean allowSimulated,
                                    @JsonProperty("claims") Map<String, String> claims,
                                    @JsonProperty("min_tcb") Map<String, Integer> minTcb,
                                    @JsonProperty("min_tcb_evaluation_data_number") Integer minTcbEvaluationDataNumber,
                                    @JsonProperty("waivers") Waivers waivers) {
        if (platform == null) {
            throw new IllegalArgumentException("field 'platform' is missing; set it to sim, snp, tdx, sgx or nitro");
        }
        return new ReferenceValues(platform, measurements, Boolean.TRUE.equals(allowDebug), Boolean.TRUE.equals(allowSimulated),
                claims, minTcb, minTcbEvaluationDataNumber, waivers);
    }

    /** The safe defaults for {@code platform} with no measurement listed: what {@code veil attest verify} applies. */
    public static ReferenceValues defaults(Platform platform) {
        return new ReferenceValues(platform, List.of(), false, false);
    }

    public ReferenceValues withAllowDebug(boolean allow) {
        return new ReferenceValues(platform, measurements, allow, allowSimulated, claims, minTcb, minTcbEvaluationDataNumber, waivers);
    }

    public ReferenceValues withClaims(Map<String, String> pinned) {
        return new ReferenceValues(platform, measurements, allowDebug, allowSimulated, pinned, minTcb, minTcbEvaluationDataNumber, waivers);
    }

    public ReferenceValues withMinTcb(Map<String, Integer> minimum) {
        return new ReferenceValues(platform, measurements, allowDebug, allowSimulated, claims, minimum, minTcbEvaluationDataNumber, waivers);
    }

    public ReferenceValues withMinTcbEvaluationDataNumber(Integer minimum) {
        return new ReferenceValues(platform, measurements, allowDebug, allowSimulated, claims, minTcb, minimum, waivers);
    }

    public ReferenceValues withWaivers(Waivers w) {
        return new ReferenceValues(platform, measurements, allowDebug, allowSimulated, claims, minTcb, minTcbEvaluationDataNumber, w);
    }

    /** What is malformed (wrong measurement length, unknown waiver names, knobs of another platform); empty when none. */
    public List<String> problems() {
        return ReferenceValuesRules.problems(this);
    }

    /** Every relaxation of the safe defaults, one line each, for people to see before they sign or rely on it. */
    public List<String> relaxations() {
        return ReferenceValuesRules.relaxations(this);
    }

    /** Every check except the launch measurement, passed and failed, in a stable order. */
    public List<PolicyCheck> platformChecks(Claims claims) {
        return PolicyEvaluation.platformChecks(this, claims);
    }

    /** Every check, including the launch measurement, passed and failed, in a stable order. */
    public List<PolicyCheck> evaluate(Claims claims) {
        return PolicyEvaluation.evaluate(this, claims);
    }

    /**
     * Holds verified claims against these values and the report data the caller computed for this session.
     * Returns every failure, not just the first, so a denial explains itself fully.
     */
    public List<ClaimFailure> check(Claims claims, byte[] expectedReportData) {
        List<ClaimFailure> failures = new ArrayList<>();
        for (PolicyCheck c : PolicyCheck.failures(evaluate(claims))) {
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
