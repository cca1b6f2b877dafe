package dev.veil.attest.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.ClaimFailure;
import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import dev.veil.attest.claims.CollateralKind;
import dev.veil.attest.claims.IntelTcb;
import dev.veil.attest.dcap.TcbStatus;
import dev.veil.attest.snp.TcbVersion;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The safe defaults, each tried as an attacker (or a careless host) would: claims are built here as a verifier would
 * report them, so each rule is proven on its own. Every test fails if its rule is removed.
 */
class ReferenceValuesDefaultsTest {
    static final byte[] REPORT_DATA = filled(64, 0x22);
    private static final TcbVersion SNP_TCB = SyntheticClaims.milanTcb(3, 0, 8, 115);

    @Test
    void outOfDateTdxPlatformIsRefusedByDefault() {
        Claims c = tdx(status(TcbStatus.OUT_OF_DATE));
        assertThat(claimsFailing(tdxValues(), c)).containsExactly("tcb_status");
    }

    @Test
    void waivedTcbStatusIsAcceptedAndListed() {
        ReferenceValues rv = tdxValues().withWaivers(completeCollateralWaivers().withTcbStatuses(List.of("SWHardeningNeeded")));
        assertThat(rv.check(tdx(status(TcbStatus.SW_HARDENING_NEEDED)), REPORT_DATA)).isEmpty();
        assertThat(rv.check(tdx(status(TcbStatus.OUT_OF_DATE)), REPORT_DATA)).extracting(ClaimFailure::claim)
                .containsExactly("tcb_status");
        assertThat(rv.relaxations()).contains("waivers.tcb_statuses: accepts Intel TCB status SWHardeningNeeded (not UpToDate)");
    }

    @Test
    void revokedPlatformCannotBeWaived() {
        ReferenceValues rv = tdxValues().withWaivers(Waivers.none().withTcbStatuses(List.of("Revoked")));
        assertThat(rv.problems()).containsExactly("waivers.tcb_statuses lists Revoked: a revoked platform cannot be waived");
    }

    /** Typed claims cannot leave the status out; with no TCB Info the verifier reports Unknown, which is not UpToDate. */
    @Test
    void absentTcbStatusIsNotTakenAsUpToDate() {
        assertThatThrownBy(() -> new IntelTcb(null, List.of(), OptionalLong.of(17))).isInstanceOf(NullPointerException.class);
        assertThat(claimsFailing(tdxValues(), tdx(IntelTcb.unknown(OptionalLong.of(17))))).containsExactly("tcb_status");
    }

    @Test
    void applicableAdvisoryIsRefusedUnlessWaivedByName() {
        Claims c = tdx(new IntelTcb(TcbStatus.UP_TO_DATE, List.of("INTEL-SA-00615", "INTEL-SA-00828"), OptionalLong.of(17)));
        assertThat(claimsFailing(tdxValues(), c)).containsExactly("advisory_ids");
        ReferenceValues oneWaived = tdxValues().withWaivers(Waivers.none().withAdvisories(List.of("INTEL-SA-00615")));
        assertThat(claimsFailing(oneWaived, c)).containsExactly("advisory_ids");
        ReferenceValues bothWaived = oneWaived.withWaivers(oneWaived.waivers().withAdvisories(List.of("INTEL-SA-00615", "INTEL-SA-00828")));
        assertThat(claimsFailing(bothWaived, c)).isEmpty();
    }

    @Test
    void missingPckCrlIsRefusedUnlessWaivedByKind() {
        Claims c = SyntheticClaims.tdx(REPORT_DATA, false, SyntheticClaims.upToDate(), Set.of(CollateralKind.PCK_CRL));
        assertThat(claimsFailing(tdxValues(), c)).containsExactly("collateral_missing");
        ReferenceValues wrongKind = tdxValues().withWaivers(Waivers.none().withMissingCollateral(List.of("root_ca_crl")));
        assertThat(claimsFailing(wrongKind, c)).containsExactly("collateral_missing");
        ReferenceValues waived = tdxValues().withWaivers(Waivers.none().withMissingCollateral(List.of("pck_crl")));
        assertThat(claimsFailing(waived, c)).isEmpty();
        assertThat(waived.relaxations()).containsExactly(
                "waivers.missing_collateral: accepts evidence verified without the PCK CRL (revoked PCK certificates are not detected)");
    }

    /** Typed claims cannot leave the missing collateral out; with none of it, all four kinds are reported missing. */
    @Test
    void unreportedCollateralOnDcapCountsAsAllMissing() {
        assertThatThrownBy(() -> SyntheticClaims.tdx(REPORT_DATA, false, SyntheticClaims.upToDate(), null))
                .isInstanceOf(NullPointerException.class);
        Claims c = SyntheticClaims.tdx(REPORT_DATA, false, SyntheticClaims.upToDate(), Set.copyOf(Platform.TDX.collateralKinds()));
        assertThat(claimsFailing(tdxValues(), c)).containsExactly("collateral_missing");
        ReferenceValues threeOfFour = tdxValues().withWaivers(
                Waivers.none().withMissingCollateral(List.of("tcb_info", "qe_identity", "pck_crl")));
        assertThat(claimsFailing(threeOfFour, c)).containsExactly("collateral_missing");
        assertThat(claimsFailing(tdxValues().withWaivers(completeCollateralWaivers()), c)).isEmpty();
    }

    @Test
    void unreportedAmdCrlOnSnpIsRefusedUnlessWaived() {
        Claims c = SyntheticClaims.snp(REPORT_DATA, 0, 0, SNP_TCB, Set.of(CollateralKind.AMD_CRL));
        assertThat(claimsFailing(snpValues(), c)).containsExactly("collateral_missing");
        ReferenceValues waived = snpValues().withWaivers(Waivers.none().withMissingCollateral(List.of("amd_crl")));
        assertThat(claimsFailing(waived, c)).isEmpty();
    }

    @Test
    void nitroNeedsNoCollateralClaim() {
        Claims c = SyntheticClaims.nitro(REPORT_DATA);
        assertThat(claimsFailing(new ReferenceValues(Platform.NITRO, List.of(hex(measurement(Platform.NITRO))), false, false), c)).isEmpty();
    }

    @Test
    void snpReportFromVmplOneIsRefusedByDefault() {
        assertThat(claimsFailing(snpValues(), snp(1))).containsExactly("vmpl");
        assertThat(claimsFailing(snpValues(), snp(0))).isEmpty();
    }

    @Test
    void explicitVmplPinReplacesTheDefaultAndIsListed() {
        ReferenceValues vmpl2 = snpValues().withClaims(Map.of("vmpl", "2"));
        assertThat(claimsFailing(vmpl2, snp(2))).isEmpty();
        assertThat(claimsFailing(vmpl2, snp(0))).containsExactly("vmpl");
        assertThat(vmpl2.relaxations()).anyMatch(r -> r.startsWith("claims.vmpl: accepts SNP reports from VMPL 2"));
        assertThat(vmpl2.problems()).isEmpty();
        assertThat(snpValues().withClaims(Map.of("vmpl", "zero")).problems())
                .containsExactly("claims.vmpl must be 0, 1, 2 or 3 and applies to platform snp only");
    }

    @Test
    void snpWithoutMinimumTcbIsRefusedUnlessWaivedByName() {
        ReferenceValues none = snpValues().withMinTcb(Map.of());
        assertThat(claimsFailing(none, snp(0))).containsExactly("reported_tcb");
        ReferenceValues waived = none.withWaivers(none.waivers().withNoSnpMinTcb(true));
        assertThat(claimsFailing(waived, snp(0))).isEmpty();
        assertThat(waived.relaxations()).anyMatch(r -> r.startsWith("waivers.no_snp_min_tcb"));
        assertThat(snpValues().withWaivers(snpValues().waivers().withNoSnpMinTcb(true)).problems())
                .contains("waivers.no_snp_min_tcb contradicts min_tcb; keep one");
    }

    @Test
    void tdxWithoutRtmrPinsIsRefusedUnlessWaivedByName() {
        ReferenceValues firmwareOnly = new ReferenceValues(Platform.TDX, List.of(hex(measurement(Platform.TDX))), false, false);
        assertThat(firmwareOnly.problems()).singleElement().asString()
                .startsWith("claims rtmr0, rtmr1 and rtmr2 must be pinned on tdx (not pinned: rtmr0, rtmr1, rtmr2)")
                .contains("veil attest verify").contains("waivers.no_tdx_rtmr_pins");
        assertThat(firmwareOnly.withClaims(Map.of("rtmr1", "00".repeat(48))).problems()).singleElement()
                .asString().contains("(not pinned: rtmr0, rtmr2)");
        ReferenceValues waived = firmwareOnly.withWaivers(Waivers.none().withNoTdxRtmrPins(true));
        assertThat(waived.problems()).isEmpty();
        assertThat(waived.relaxations()).containsExactly("waivers.no_tdx_rtmr_pins: accepts any OS the host boots on the pinned "
                + "TDX firmware (not pinned: rtmr0 firmware configuration (ACPI tables, TD HOB), rtmr1 OS loader and kernel, "
                + "rtmr2 kernel command line and initrd)");
        assertThat(tdxValues().withWaivers(Waivers.none().withNoTdxRtmrPins(true)).problems())
                .containsExactly("waivers.no_tdx_rtmr_pins contradicts the pins of rtmr0, rtmr1 and rtmr2; keep one");
        assertThat(tdxValues().relaxations()).isEmpty();
    }

    /** RTMR3 is extended at run time, so it may stay unpinned; a pin of it, like the others, must be able to match. */
    @Test
    void rtmrPinThatCouldNeverMatchIsAProblem() {
        assertThat(tdxValues().problems()).isEmpty();
        assertThat(tdxValuesPinning("rtmr3", "ab".repeat(48)).problems()).isEmpty();
        assertThat(tdxValuesPinning("rtmr3", "AB".repeat(48)).problems()).containsExactly(
                "claims.rtmr3 must be 96 lowercase hex digits (48 bytes), as veil attest verify prints it under \"claims\"");
        assertThat(tdxValuesPinning("rtmr0", "00".repeat(32)).problems()).singleElement().asString().startsWith("claims.rtmr0 must be");
    }

    @Test
    void snpBelowMinimumTcbIsRefused() {
        ReferenceValues rv = snpValues().withMinTcb(Map.of("bl", 3, "tee", 0, "snp", 9, "ucode", 115));
        assertThat(rv.check(snp(0), REPORT_DATA)).extracting(ClaimFailure::toString)
                .containsExactly("reported_tcb.snp is 8, expected >= 9");
    }

    @Test
    void tcbEvaluationDataNumberBelowTheContractMinimumIsRefused() {
        ReferenceValues rv = tdxValues().withMinTcbEvaluationDataNumber(17);
        assertThat(claimsFailing(rv, tdx(evaluationDataNumber(OptionalLong.of(16))))).containsExactly("tcb_evaluation_data_number");
        assertThat(claimsFailing(rv, tdx(evaluationDataNumber(OptionalLong.of(17))))).isEmpty();
        assertThat(claimsFailing(rv, tdx(evaluationDataNumber(OptionalLong.empty())))).containsExactly("tcb_evaluation_data_number");
    }

    @Test
    void claimPinCannotRelaxTheTcbStatusDefault() {
        ReferenceValues pinned = tdxValues().withClaims(Map.of("tcb_status", "OutOfDate", "collateral_missing", "pck_crl"));
        Claims c = SyntheticClaims.tdx(REPORT_DATA, false, status(TcbStatus.OUT_OF_DATE), Set.of(CollateralKind.PCK_CRL));
        assertThat(claimsFailing(pinned, c)).containsExactlyInAnyOrder("tcb_status", "collateral_missing");
    }

    @Test
    void misspeltClaimPinIsRefusedBeforeItIsSigned() {
        ReferenceValues misspelt = tdxValuesPinning("rtmr_1", "cd".repeat(48));
        assertThat(misspelt.problems()).singleElement().asString().startsWith("claims.rtmr_1 is not a claim tdx evidence carries");
        ReferenceValues sgxClaimOnTdx = tdxValuesPinning("mrsigner", "00".repeat(32));
        assertThat(sgxClaimOnTdx.problems()).singleElement().asString().startsWith("claims.mrsigner is not a claim tdx evidence carries");
        assertThat(tdxValuesPinning("mrconfigid", "cd".repeat(48)).problems()).isEmpty();
    }

    @Test
    void pinOfAnUnreportedClaimCannotMatchThePlaceholderShownForIt() {
        ReferenceValues rv = tdxValues().withClaims(Map.of("rtmr_1", "(absent)"));
        assertThat(claimsFailing(rv, tdx(SyntheticClaims.upToDate()))).containsExactly("rtmr_1");
    }

    @Test
    void debugTeeIsRefusedUnlessAllowed() {
        Claims c = SyntheticClaims.tdx(REPORT_DATA, true, SyntheticClaims.upToDate(), Set.of());
        assertThat(claimsFailing(tdxValues(), c)).containsExactly("debug");
        assertThat(claimsFailing(tdxValues().withAllowDebug(true), c)).isEmpty();
        assertThat(tdxValues().withAllowDebug(true).relaxations()).anyMatch(r -> r.startsWith("allow_debug"));
    }

    @Test
    void simulationIsRefusedUnlessAllowedAndThenNeedsNoTcbOrCollateral() {
        Claims c = SyntheticClaims.sim(REPORT_DATA);
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
                Map.of(), Map.of("snp", 8), 3, new Waivers(List.of("UpToDate", "Fine"), List.of("bad id"), List.of("amd_crl"), true, true));
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
                "waivers.no_snp_min_tcb contradicts min_tcb; keep one",
                "waivers.no_tdx_rtmr_pins applies to platform tdx only");
    }

    @Test
    void evidenceOfAnotherPlatformGetsThePlatformCheckAlone() {
        assertThat(claimsFailing(snpValues(), tdx(SyntheticClaims.upToDate()))).containsExactly("platform");
    }

    private static List<String> claimsFailing(ReferenceValues rv, Claims c) {
        return rv.check(c, REPORT_DATA).stream().map(ClaimFailure::claim).toList();
    }

    /** TDX reference values with the measurement and RTMR0..2 of {@link SyntheticClaims#tdx} pinned, nothing relaxed. */
    private static ReferenceValues tdxValues() {
        return new ReferenceValues(Platform.TDX, List.of(hex(measurement(Platform.TDX))), false, false)
                .withClaims(SyntheticClaims.tdxRtmrPins());
    }

    /** {@link #tdxValues()} with one more pin. */
    private static ReferenceValues tdxValuesPinning(String claim, String value) {
        Map<String, String> pins = new java.util.HashMap<>(tdxValues().claims());
        pins.put(claim, value);
        return tdxValues().withClaims(pins);
    }

    private static ReferenceValues snpValues() {
        return new ReferenceValues(Platform.SEV_SNP, List.of(hex(measurement(Platform.SEV_SNP))), false, false)
                .withMinTcb(Map.of("bl", 3, "tee", 0, "snp", 8, "ucode", 115));
    }

    private static Waivers completeCollateralWaivers() {
        return Waivers.none().withMissingCollateral(CollateralKind.ids(Platform.TDX.collateralKinds()));
    }

    /** A TDX platform with all collateral and Intel's verdict {@code tcb}. */
    private static Claims tdx(IntelTcb tcb) {
        return SyntheticClaims.tdx(REPORT_DATA, false, tcb, Set.of());
    }

    private static IntelTcb status(TcbStatus status) {
        return new IntelTcb(status, List.of(), OptionalLong.of(17));
    }

    private static IntelTcb evaluationDataNumber(OptionalLong n) {
        return new IntelTcb(TcbStatus.UP_TO_DATE, List.of(), n);
    }

    private static Claims snp(int vmpl) {
        return SyntheticClaims.snp(REPORT_DATA, vmpl, 0, SNP_TCB, Set.of());
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
