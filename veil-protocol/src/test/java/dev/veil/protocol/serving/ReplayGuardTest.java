package dev.veil.protocol.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.serving.ReplayGuard.Verdict;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ReplayGuardTest {
    private static final Instant T = Instant.parse("2026-12-01T12:00:00Z");
    private static final String DP = "aaaa-bbbb-cccc-dddd-eeee";

    @Test
    void sameIdIsAdmittedOnceWithinTheWindow() {
        ReplayGuard g = new ReplayGuard(Duration.ofMinutes(5), 10);
        assertThat(g.admit(DP, "01", T, T)).isEqualTo(Verdict.ADMITTED);
        assertThat(g.admit(DP, "01", T, T.plusSeconds(299))).isEqualTo(Verdict.REPLAYED);
        assertThat(g.admit("ffff-bbbb-cccc-dddd-eeee", "01", T, T)).isEqualTo(Verdict.ADMITTED);
    }

    @Test
    void requestOlderOrNewerThanTheWindowIsRefused() {
        ReplayGuard g = new ReplayGuard(Duration.ofMinutes(5), 10);
        assertThat(g.admit(DP, "01", T.minusSeconds(301), T)).isEqualTo(Verdict.OUTSIDE_WINDOW);
        assertThat(g.admit(DP, "02", T.plusSeconds(301), T)).isEqualTo(Verdict.OUTSIDE_WINDOW);
        assertThat(g.admit(DP, "03", T.minusSeconds(300), T)).isEqualTo(Verdict.ADMITTED);
    }

    @Test
    void idsAreForgottenOnlyOnceTheirRequestWouldBeTooOldAnyway() {
        ReplayGuard g = new ReplayGuard(Duration.ofMinutes(5), 10);
        Instant future = T.plusSeconds(240);
        g.admit(DP, "01", future, T);
        // created 4 minutes ahead: still within the window until T + 9 min, so still remembered at T + 8 min
        assertThat(g.admit(DP, "01", future, T.plusSeconds(480))).isEqualTo(Verdict.REPLAYED);
        assertThat(g.admit(DP, "02", T.plusSeconds(600), T.plusSeconds(600))).isEqualTo(Verdict.ADMITTED);
        assertThat(g.size()).isEqualTo(1);
        assertThat(g.admit(DP, "01", future, T.plusSeconds(600))).isEqualTo(Verdict.OUTSIDE_WINDOW);
    }

    @Test
    void fullGuardRefusesRatherThanForgettingEarly() {
        ReplayGuard g = new ReplayGuard(Duration.ofMinutes(5), 2, 2);   // one data provider may hold it all: the guard's own limit
        g.admit(DP, "01", T, T);
        g.admit(DP, "02", T, T);
        assertThat(g.admit(DP, "03", T, T)).isEqualTo(Verdict.FULL);
        assertThat(g.admit(DP, "01", T, T)).isEqualTo(Verdict.REPLAYED);
        assertThat(g.admit(DP, "03", T.plusSeconds(301), T.plusSeconds(301))).isEqualTo(Verdict.ADMITTED);
        assertThat(g.size()).isEqualTo(1);
    }

    @Test
    void aListedDataProviderKeepsItsShareWhateverAnotherSends() {
        ReplayGuard g = new ReplayGuard(Duration.ofMinutes(5), 4, 2);
        assertThat(g.admit(DP, "01", T, T)).isEqualTo(Verdict.ADMITTED);
        assertThat(g.admit(DP, "02", T, T)).isEqualTo(Verdict.ADMITTED);
        assertThat(g.admit(DP, "03", T, T)).isEqualTo(Verdict.SHARE_FULL);
        assertThat(g.admit("ffff-bbbb-cccc-dddd-eeee", "01", T, T)).isEqualTo(Verdict.ADMITTED);
        assertThat(g.admit("ffff-bbbb-cccc-dddd-eeee", "02", T, T)).isEqualTo(Verdict.ADMITTED);
        // once its ids leave the window, the first data provider's share is free again
        assertThat(g.admit(DP, "03", T.plusSeconds(301), T.plusSeconds(301))).isEqualTo(Verdict.ADMITTED);
    }

    @Test
    void aContractsListedDataProvidersEachGetAnEqualShare() {
        var three = DataProviderAccess.only(java.util.List.of(ServingFixture.DP.publicIdentity(), ServingFixture.OTHER_DP.publicIdentity(),
                dev.veil.protocol.identity.Identity.generate("third", dev.veil.protocol.keyrelease.KeyWrapSuite.X25519).publicIdentity()));
        assertThat(ReplayGuard.forAccess(three).perDataProvider()).isEqualTo(ReplayGuard.DEFAULT_CAPACITY / 3);
        assertThat(ReplayGuard.forAccess(DataProviderAccess.anyDataProvider()).perDataProvider())
                .isEqualTo(ReplayGuard.DEFAULT_CAPACITY / ReplayGuard.SHARES_WHEN_ANY_DATA_PROVIDER);
    }
}
