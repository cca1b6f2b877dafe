package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * {@link DataKeyGate} promises that a stranger cannot spend a genuine caller's tokens. A request captured in flight
 * (a man in the middle holds the original and sends copies of it on several connections at once) passes the cheap
 * nonce check and the signature check in each copy before any copy has spent the nonce: {@link DataKeyGate#admit}
 * charges the caller's bucket first and spends the nonce after, so every copy but one is refused as used only after it
 * took one of the genuine caller's tokens. The interleaving below is the one concurrent copies take.
 */
class DataKeyReplayInFlightSpendsCallersTokensAttackTest {
    private static final String CALLER = "a1".repeat(32);

    @Test
    void copiesOfOneCapturedRequestSentAtOnceSpendTheGenuineCallersTokens() throws Exception {
        // per caller: a burst of 3 and (practically) no refill; overall: plenty
        DataKeyGate gate = new DataKeyGate(new DataKeyLimits(1e-9, 3, 1e-9, 1000), Clock.systemUTC());
        String binding = "c0".repeat(32);
        byte[] captured = gate.challenge(binding).nonce();
        Instant now = gate.now();

        // the genuine request and two copies of it arrive together: all three pass the cheap check (signatures verify)
        gate.checkFresh(captured, binding, now);
        gate.checkFresh(captured, binding, now);
        gate.checkFresh(captured, binding, now);
        gate.admit(captured, CALLER, now);   // the genuine one
        for (int copy = 0; copy < 2; copy++) {
            assertThatThrownBy(() -> gate.admit(captured, CALLER, now))
                    .isInstanceOfSatisfying(BrokerRefusal.class, r -> assertThat(r.reason()).isEqualTo(BrokerRefusal.Reason.STALE_CHALLENGE));
        }

        // The genuine caller has made one request of its burst of three: its next one must be served.
        byte[] next = gate.challenge(binding).nonce();
        Instant later = gate.now();
        gate.checkFresh(next, binding, later);
        assertThatCode(() -> gate.admit(next, CALLER, later)).as("the genuine caller's second request of its burst of three")
                .doesNotThrowAnyException();   // refused RATE_LIMITED: the refused copies spent its tokens
    }

    @Test
    void aRequestRefusedByTheBrokerWideRateStillSpendsItsCallersOwnToken() throws Exception {
        // per caller: a burst of 2; overall: a burst of 1, both (practically) without refill
        DataKeyGate gate = new DataKeyGate(new DataKeyLimits(1e-9, 2, 1e-9, 1), Clock.systemUTC());
        gate.charge("other caller");   // takes the broker-wide token
        assertThatThrownBy(() -> gate.charge(CALLER))
                .isInstanceOfSatisfying(BrokerRefusal.class, r -> assertThat(r.reason()).isEqualTo(BrokerRefusal.Reason.RATE_LIMITED));
        assertThatThrownBy(() -> gate.charge(CALLER))
                .isInstanceOfSatisfying(BrokerRefusal.class, r -> assertThat(r.reason()).isEqualTo(BrokerRefusal.Reason.RATE_LIMITED));
        // Two refused requests, none served: the caller's own bucket (burst 2) must still be full, so that once the
        // broker-wide rate has room its request is not refused by its own rate.
        java.lang.reflect.Field f = DataKeyGate.class.getDeclaredField("perCaller");
        f.setAccessible(true);
        @SuppressWarnings("unchecked")
        java.util.Map<String, ReleaseRate> perCaller = (java.util.Map<String, ReleaseRate>) f.get(gate);
        assertThat(perCaller.get(CALLER).tryTake()).as("the caller's own bucket still holds a token").isTrue();
    }
}
