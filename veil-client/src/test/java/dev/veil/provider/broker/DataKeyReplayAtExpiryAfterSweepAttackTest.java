package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A data-key nonce is used once ({@link DataKeyGate}, {@link BrokerChallenges}): the used set forgets a nonce one
 * lifetime after its use, judged by the latest time any request read, while a request checks the nonce's age against
 * the time it read itself when it began. A replay that read the time just before the nonce expired, and is held for a
 * moment before its check (in the broker: waiting for the contract's record lock, which releases hold while they wrap
 * and append), finds the nonce neither expired (by its own earlier time) nor used (another request's use, meanwhile,
 * swept it by the later time): the captured request is served a second time. For an owner unwrap that is a second
 * entry in the signed record; for any data-key request, a second answer and its work.
 */
class DataKeyReplayAtExpiryAfterSweepAttackTest {
    private static final String BINDING = "c0".repeat(32);

    @Test
    void aCapturedRequestReplayedAsItsNonceExpiresIsServedAgainOnceAnotherRequestSweptTheUsedSet() throws Exception {
        BrokerFixture.SettableClock clock = new BrokerFixture.SettableClock();
        DataKeyGate gate = new DataKeyGate(DataKeyLimits.defaults(), clock);

        byte[] captured = gate.challenge(BINDING).nonce();
        Instant genuine = gate.now();
        gate.checkFresh(captured, BINDING, genuine);
        gate.admit(captured, "genuine instance", genuine);   // the genuine request, served at once

        // the replay arrives 10 ms before the nonce expires and reads the time ...
        clock.advance(KeyBroker.CHALLENGE_LIFETIME.minusMillis(10));
        Instant replayNow = gate.now();

        // ... and while it waits for the record's lock, another caller's request is served 20 ms later
        clock.advance(Duration.ofMillis(20));
        byte[] other = gate.challenge(BINDING).nonce();
        Instant otherNow = gate.now();
        gate.checkFresh(other, BINDING, otherNow);
        gate.admit(other, "another instance", otherNow);

        // the replay goes on: it must be refused as used (or as expired), never served a second time
        assertThatThrownBy(() -> {
            gate.checkFresh(captured, BINDING, replayNow);
            gate.admit(captured, "genuine instance", replayNow);
        }).as("a replay of a request already served").isInstanceOf(BrokerRefusal.class);
    }
}
