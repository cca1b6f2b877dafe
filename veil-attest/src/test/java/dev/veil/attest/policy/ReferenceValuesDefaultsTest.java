package dev.veil.attest.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.ClaimFailure;
import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The safe defaults, each tried as an attacker (or a careless host) would: claims are built here as a verifier would
 * report them, so each rule is proven on its own. Every test fails if its rule is removed.
 */
class ReferenceValuesDefaultsTest {
    static final byte[] REPORT_DATA = filled(64, 0x22);

    @Test
    void outOfDateTdxPlatformIsRefusedByDefault() {
        Claims c = tdx(Map.of("tcb_status", "OutOfDate"));
        assertThat(claimsFailing(tdxValues(), c)).containsExactly("tcb_status");
    }

    @Test
    void waivedTcbStatusIsAcceptedAndListed() {
        ReferenceValues rv = tdxValues().withWaivers(completeCollateralWaivers().withTcbStatuses(List.of("SWHardeningNeeded")));
        assertThat(rv.check(tdx(Map.of("tcb_status", "SWHardeningNeeded")), REPORT_DATA)).isEmpty();
        assertThat(rv.check(tdx(Map.of("tcb_status", "OutOfDate")), REPORT_DATA)).extracting(ClaimFailure::claim)
                .containsExactly("tcb_status");
        assertThat(rv.relaxations()).contains("waivers.tcb_statuses: accepts Intel TCB status SWHardeningNeeded (not UpToDate)");
    }

    @Test
    void revokedPlatformCannotBeWaived() {
        ReferenceValues rv = tdxValues().withWaivers(Waivers.none().withTcbStatuses(List.of("Revoked")));
        assertThat(rv.problems()).containsExactly("waivers.tcb_statuses lists Revoked: a revoked platform cannot be waived");
    }

    @Test
    void absentTcbStatusIsNotTakenAsUpToDate() {
        Map<String, String> d = new HashMap<>(tdxDetails(Map.of()));
        d.remove("tcb_status");
        assertThat(claimsFailing(tdxValues(), claims(Platform.TDX, d))).containsExactly("tcb_status");
    }

    @Test
    void applicableAdvisoryIsRefusedUnlessWaivedByName() {
        Claims c = tdx(Map.of("advisory_ids", "INTEL-SA-00615,INTEL-SA-00828"));
        assertThat(claimsFailing(tdxValues(), c)).containsExactly("advisory_ids");
        ReferenceValues oneWaived = tdxValues().withWaivers(Waivers.none().withAdvisories(List.of("INTEL-SA-00615")));
        assertThat(claimsFailing(oneWaived, c)).containsExactly("advisory_ids");
        ReferenceValues bothWaived = oneWaived.withWaivers(oneWaived.waivers().withAdvisories(List.of("INTEL-SA-00615", "INTEL-SA-00828")));
        assertThat(claimsFailing(bothWaived, c)).isEmpty();
    }

    @Test
    void missingPckCrlIsRefusedUnlessWaivedByKind() {
        Claims c = tdx(Map.of("collateral_missing", "pck_crl"));
        assertThat(claimsFailing(tdxValues(), c)).containsExactly("collateral_missing");
        ReferenceValues wrongKind = tdxValues().withWaivers(Waivers.none().withMissingCollateral(List.of("root_ca_crl")));
        assertThat(claimsFailing(wrongKind, c)).containsExactly("collateral_missing");
        ReferenceValues waived = tdxValues().withWaivers(Waivers.none().withMissingCollateral(List.of("pck_crl")));
        assertThat(claimsFailing(waived, c)).isEmpty();
        assertThat(waived.relaxations()).containsExactly(
                "waivers.missing_collateral: accepts evidence verified without the PCK CRL (revoked PCK certificates are not detected)");
    }

    @Test
    void unreportedCollateralOnDcapCountsAsAllMissing() {
        Map<String, String> d = new HashMap<>(tdxDetails(Map.of()));
        d.remove("collateral_missing");
        Claims c = claims(Platform.TDX, d);
        assertThat(claimsFailing(tdxValues(), c)).containsExactly("collateral_missing");
        ReferenceValues threeOfFour = tdxValues().withWaivers(
                Waivers.none().withMissingCollateral(List.of("tcb_info", "qe_identity", "pck_crl")));
        assertThat(claimsFailing(threeOfFour, c)).containsExactly("collateral_missing");
        assertThat(claimsFailing(tdxValues().withWaivers(completeCollateralWaivers()), c)).isEmpty();
    }

    @Test
    void unreportedAmdCrlOnSnpIsRefusedUnlessWaived() {
        Map<String, String> d = new HashMap<>(snpDetails("0"));
        d.remove("collateral_missing");
        assertThat(claimsFailing(snpValues(), claims(Platform.SEV_SNP, d))).containsExactly("collateral_missing");
        ReferenceValues waived = snpValues().withWaivers(Waivers.none().withMissingCollateral(List.of("amd_crl")));
        assertThat(claimsFailing(waived, claims(Platform.SEV_SNP, d))).isEmpty();
    }

    @Test
    void nitroNeedsNoCollateralClaim() {
        Claims c = claims(Platform.NITRO, Map.of());
        assertThat(claimsFailing(new ReferenceValues(Platform.NITRO, List.of(hex(measurement(Platform.NITRO))), false, false), c)).isEmpty();
    }

    @Test
    void snpReportFromVmplOneIsRefusedByDefault() {
        assertThat(claimsFailing(snpValues(), claims(Platform.SEV_SNP, snpDetails("1")))).containsExactly("vmpl");
        assertThat(claimsFailing(snpValues(), claims(Platform.SEV_SNP, snpDetails("0")))).isEmpty();
    }

    @Test
    void explicitVmplPinReplacesTheDefaultAndIsListed() {
        ReferenceValues vmpl2 = snpValues().withClaims(Map.of("vmpl", "2"));
        assertThat(claimsFailing(vmpl2, claims(Platform.SEV_SNP, snpDetails("2")))).isEmpty();
        assertThat(claimsFailing(vmpl2, claims(Platform.SEV_SNP, snpDetails("0")))).containsExactly("vmpl");
        assertThat(vmpl2.relaxations()).anyMatch(r -> r.startsWith("claims.vmpl: accepts SNP reports from VMPL 2"));
        assertThat(vmpl2.problems()).isEmpty();
        assertThat(snpValues().withClaims(Map.of("vmpl", "zero")).problems())
                .containsExactly("claims.vmpl must be 0, 1, 2 or 3 and applies to platform snp only");
    }

    @Test
    void snpWithoutMinimumTcbIsRefusedUnlessWaivedByName() {
        ReferenceValues none = snpValues().withMinTcb(Map.of());
        assertThat(claimsFailing(none, claims(Platform.SEV_SNP, snpDetails("0")))).containsExactly("reported_tcb");
        ReferenceValues waived = none.withWaivers(none.waivers().withNoSnpMinTcb(true));
        assertThat(claimsFailing(waived, claims(Platform.SEV_SNP, snpDetails("0")))).isEmpty();
        assertThat(waived.relaxations()).anyMatch(r -> r.startsWith("waivers.no_snp_min_tcb"));
        assertThat(snpValues().withWaivers(snpValues().waivers().withNoSnpMinTcb(true)).problems())
                .contains("waivers.no_snp_min_tcb contradicts min_tcb; keep one");
    }

    @Test
    void snpBelowMinimumTcbIsRefused() {
        ReferenceValues rv = snpValues().withMinTcb(Map.of("bl", 3, "tee", 0, "snp", 9, "ucode", 115));
        assertThat(rv.check(claims(Platform.SEV_SNP, snpDetails("0")), REPORT_DATA)).extracting(ClaimFailure::toString)
                .containsExactly("reported_tcb.snp is 8, expected >= 9");
    }

    @Test
    void tcbEvaluationDataNumberBelowTheContractMinimumIsRefused() {
        ReferenceValues rv = tdxValues().withMinTcbEvaluationDataNumber(17);
        assertThat(claimsFailing(rv, tdx(Map.of("tcb_evaluation_data_number", "16")))).containsExactly("tcb_evaluation_data_number");
        assertThat(claimsFailing(rv, tdx(Map.of("tcb_evaluation_data_number", "17")))).isEmpty();
        Map<String, String> d = new HashMap<>(tdxDetails(Map.of()));
        d.remove("tcb_evaluation_data_number");
        assertThat(claimsFailing(rv, claims(Platform.TDX, d))).containsExactly("tcb_evaluation_data_number");
    }

    @Test
    void claimPinCannotRelaxTheTcbStatusDefault() {
        ReferenceValues pinned = tdxValues().withClaims(Map.of("tcb_status", "OutOfDate", "collateral_missing", "pck_crl"));
        Claims c = tdx(Map.of("tcb_status", "OutOfDate", "collateral_missing", "pck_crl"));
        assertThat(claimsFailing(pinned, c)).containsExactlyInAnyOrder("tcb_status", "collateral_missing");
    }

    @Test
    void debugTeeIsRefusedUnlessAllowed() {
        Claims c = new Claims(Platform.TDX, measurement(Platform.TDX), REPORT_DATA, true, tdxDetails(Map.of()));
        assertThat(claimsFailing(tdxValues(), c)).containsExactly("debug");
        assertThat(claimsFailing(tdxValues().withAllowDebug(true), c)).isEmpty();
        assertThat(tdxValues().withAllowDebug(true).relaxations()).anyMatch(r -> r.startsWith("allow_debug"));
    }

    @Test
    void simulationIsRefusedUnlessAllowedAndThenNeedsNoTcbOrCollateral() {
        Claims c = claims(Platform.SIM, Map.of());
        String m = hex(measurement(Platform.SIM));
        assertThat(claimsFailing(new ReferenceValues(Platform.SIM, List.of(m), false, false), c)).containsExactly("simulated TEE");
        ReferenceValues allowed = new ReferenceValues(Platform.SIM, List.of(m), false, true);
        assertThat(claimsFailing(allowed, c)).isEmpty();
        assertThat(allowed.relaxations()).anyMatch(r -> r.startsWith("allow_simulated"));
    }

    @Test
    void defaultsListNoRelaxation() {
        for (Platform p : Platform.values()) {
            assertThat(ReferenceValues.defaults(p).relaxations()).as(p.id()).isEmpty();
        }
    }

    @Test
    void measurementOfTheWrongLengthIsAProblemNamingTheLength() {
        ReferenceValues shortSnp = new ReferenceValues(Platform.SEV_SNP, List.of("ab".repeat(32)), false, false);
        assertThat(shortSnp.problems()).anyMatch(p -> p.contains("has 64 hex digits; a snp measurement (MEASUREMENT) is 48 bytes"));
        assertThat(ReferenceValuesRules.measurementProblem(Platform.SGX, "abcd")).contains("has 4 hex digits")
                .contains("32 bytes").doesNotContain("not hex");
        assertThat(ReferenceValuesRules.measurementProblem(Platform.SGX, "ab".repeat(32))).isNull();
        assertThat(ReferenceValuesRules.measurementProblem(Platform.TDX, "zz".repeat(48))).contains("is not hex");
    }

    @Test
    void waiverNamesAndKnobsOfAnotherPlatformAreProblems() {
        ReferenceValues rv = new ReferenceValues(Platform.NITRO, List.of(hex(measurement(Platform.NITRO))), false, true,
                Map.of(), Map.of("snp", 8), 3, new Waivers(List.of("UpToDate", "Fine"), List.of("bad id"), List.of("amd_crl"), true));
        assertThat(rv.problems()).containsExactlyInAnyOrder(
                "allow_simulated applies to platform sim only",
                "min_tcb applies to platform snp only",
                "min_tcb_evaluation_data_number applies to platforms tdx and sgx only",
                "waivers.tcb_statuses apply to platforms tdx and sgx only",
                "waivers.tcb_statuses lists UpToDate, which is always accepted; remove it",
                "waivers.tcb_statuses lists 'Fine', not one of " + ReferenceValuesRules.WAIVABLE_TCB_STATUSES,
                "waivers.advisories apply to platforms tdx and sgx only",
                "waivers.advisories lists 'bad id', which is not an advisory id such as INTEL-SA-00615",
                "waivers.missing_collateral lists 'amd_crl', not a collateral kind of nitro (it uses none)",
                "waivers.no_snp_min_tcb applies to platform snp only",
                "waivers.no_snp_min_tcb contradicts min_tcb; keep one");
    }

    @Test
    void evidenceOfAnotherPlatformGetsThePlatformCheckAlone() {
        assertThat(claimsFailing(snpValues(), tdx(Map.of()))).containsExactly("platform");
    }

    private static List<String> claimsFailing(ReferenceValues rv, Claims c) {
        return rv.check(c, REPORT_DATA).stream().map(ClaimFailure::claim).toList();
    }

    private static ReferenceValues tdxValues() {
        return new ReferenceValues(Platform.TDX, List.of(hex(measurement(Platform.TDX))), false, false);
    }

    private static ReferenceValues snpValues() {
        return new ReferenceValues(Platform.SEV_SNP, List.of(hex(measurement(Platform.SEV_SNP))), false, false)
                .withMinTcb(Map.of("bl", 3, "tee", 0, "snp", 8, "ucode", 115));
    }

    private static Waivers completeCollateralWaivers() {
        return Waivers.none().withMissingCollateral(Platform.TDX.collateralKinds());
    }

    /** A TDX platform a careful operator accepts, with {@code overrides} replacing some of its claims. */
    private static Claims tdx(Map<String, String> overrides) {
        return claims(Platform.TDX, tdxDetails(overrides));
    }

    private static Map<String, String> tdxDetails(Map<String, String> overrides) {
        Map<String, String> d = new HashMap<>(Map.of("tcb_status", "UpToDate", "advisory_ids", "", "collateral_missing", "",
                "tcb_evaluation_data_number", "17"));
        d.putAll(overrides);
        return d;
    }

    private static Map<String, String> snpDetails(String vmpl) {
        return Map.of("vmpl", vmpl, "reported_tcb", "bl=3 tee=0 snp=8 ucode=115", "reported_tcb.bl", "3",
                "reported_tcb.tee", "0", "reported_tcb.snp", "8", "reported_tcb.ucode", "115", "collateral_missing", "",
                "policy_migrate_ma", "false");
    }

    private static Claims claims(Platform p, Map<String, String> details) {
        return new Claims(p, measurement(p), REPORT_DATA, false, details);
    }

    private static byte[] measurement(Platform p) {
        return filled(p.measurementLength(), 0x5a);
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static byte[] filled(int n, int v) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) v);
        return b;
    }
}
