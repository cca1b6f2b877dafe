package dev.veil.attest.policy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A waiver listed twice would be shown twice, as if two relaxations had been agreed: refused as malformed. */
class WaiverListTest {
    private static final ReferenceValues TDX = new ReferenceValues(Platform.TDX, List.of("ab".repeat(48)), false, false)
            .withClaims(SyntheticClaims.tdxRtmrPins());

    @Test
    void waiverListedTwiceIsRefused() {
        assertThat(TDX.withWaivers(Waivers.none().withTcbStatuses(List.of("SWHardeningNeeded", "SWHardeningNeeded"))).problems())
                .containsExactly("waivers.tcb_statuses lists 'SWHardeningNeeded' more than once; list each once");
        assertThat(TDX.withWaivers(Waivers.none().withAdvisories(List.of("INTEL-SA-00615", "INTEL-SA-00615"))).problems())
                .containsExactly("waivers.advisories lists 'INTEL-SA-00615' more than once; list each once");
        assertThat(TDX.withWaivers(Waivers.none().withMissingCollateral(List.of("pck_crl", "pck_crl"))).problems())
                .containsExactly("waivers.missing_collateral lists 'pck_crl' more than once; list each once");
    }
}
