package dev.veil.attest.dcap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import dev.veil.attest.policy.PolicyCheck;
import dev.veil.attest.policy.Waivers;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A TDX contract that pins MRTD alone pins only the TD's firmware (TDVF): the firmware configuration, the kernel, the
 * initrd and the command line are measured into RTMR0..2, which the contract left open, so a host could boot any OS
 * and application of its choosing on the pinned firmware and still pass appraisal. The reference-value rules every
 * party runs on every contract refuse such a policy unless it pins RTMR0..2 or names the relaxation
 * {@code waivers.no_tdx_rtmr_pins}, which is then shown back like every other relaxation.
 *
 * <p>On a real quote (dcap-qvl's TDX v4 sample, UpToDate with complete collateral), whose RTMRs are read from its claims
 * as {@code veil attest verify} prints them.
 */
class TdxContractPinningOnlyFirmwareAttackTest {
    Claims quote;

    @BeforeEach
    void setUp() throws Exception {
        quote = DcapVectorsTest.verify(Platform.TDX, "tdx/dcapqvl-tdx_quote.bin", "tdx/dcapqvl-tdx_quote.collateral",
                "2025-07-19T10:00:34Z");
    }

    ReferenceValues firmwareOnly() {
        return new ReferenceValues(Platform.TDX, List.of(quote.measurementHex()), false, false);
    }

    Map<String, String> rtmrPinsOfTheQuote() {
        Map<String, String> pins = new HashMap<>();
        for (String r : List.of("rtmr0", "rtmr1", "rtmr2")) {
            pins.put(r, quote.byName().get(r));
        }
        return pins;
    }

    static List<String> failing(ReferenceValues rv, Claims c) {
        return PolicyCheck.failures(rv.evaluate(c)).stream().map(PolicyCheck::claim).toList();
    }

    /** The evaluation cannot tell which OS booted when nothing pins it: the refusal has to come from the rules. */
    @Test
    void policyPinningOnlyMrtdIsRefused() {
        assertThat(failing(firmwareOnly(), quote)).as("MRTD alone passes whatever booted on the firmware").isEmpty();
        assertThat(firmwareOnly().problems()).singleElement().asString()
                .startsWith("claims rtmr0, rtmr1 and rtmr2 must be pinned on tdx (not pinned: rtmr0, rtmr1, rtmr2)")
                .contains("\"claims\" of veil attest verify").contains("waivers.no_tdx_rtmr_pins");
    }

    @Test
    void policyPinningOnlySomeOfTheBootRtmrsIsRefused() {
        ReferenceValues kernelOnly = firmwareOnly().withClaims(Map.of("rtmr1", quote.byName().get("rtmr1")));
        assertThat(kernelOnly.problems()).singleElement().asString().contains("(not pinned: rtmr0, rtmr2)");
    }

    @Test
    void policyPinningTheQuotesRtmrsVerifies() {
        ReferenceValues pinned = firmwareOnly().withClaims(rtmrPinsOfTheQuote());
        assertThat(pinned.claims().values()).as("a real boot chain, not an empty one").noneMatch(v -> v.equals("00".repeat(48)));
        assertThat(pinned.problems()).isEmpty();
        assertThat(pinned.relaxations()).isEmpty();
        assertThat(pinned.check(quote, quote.reportData())).isEmpty();
    }

    /** Another kernel on the same firmware: RTMR1 differs from the contract's pin. */
    @Test
    void quoteOfAnotherOsOnThePinnedFirmwareIsRefused() {
        Map<String, String> pins = rtmrPinsOfTheQuote();
        pins.put("rtmr1", "ab".repeat(48));
        ReferenceValues otherKernel = firmwareOnly().withClaims(pins);
        assertThat(otherKernel.problems()).isEmpty();
        assertThat(failing(otherKernel, quote)).containsExactly("rtmr1");
    }

    @Test
    void contractTrustingAnyOsSaysSoByName() {
        ReferenceValues anyOs = firmwareOnly().withWaivers(Waivers.none().withNoTdxRtmrPins(true));
        assertThat(anyOs.problems()).isEmpty();
        assertThat(anyOs.check(quote, quote.reportData())).isEmpty();
        assertThat(anyOs.relaxations()).singleElement().asString()
                .startsWith("waivers.no_tdx_rtmr_pins: accepts any OS the host boots on the pinned TDX firmware")
                .contains("rtmr0", "rtmr1", "rtmr2");
    }
}
