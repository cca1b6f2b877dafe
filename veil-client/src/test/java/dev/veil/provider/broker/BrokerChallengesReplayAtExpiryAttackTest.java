package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * {@link BrokerChallenges}, as releases and owner unwraps use them (check, then the work, then markUsed): the used set
 * forgets a nonce one lifetime after its use, by the latest time any request read. A replay of a captured release or
 * owner unwrap that read the time just before its nonce expired must not be accepted once another request's use swept
 * the nonce, whether the sweep comes before its check or between its check and its use.
 */
class BrokerChallengesReplayAtExpiryAttackTest {
    private static final String CONTRACT = "c0".repeat(32);

    @Test
    void aReplayCheckedAfterItsNonceWasSweptIsRefused() throws Exception {
        BrokerFixture.SettableClock clock = new BrokerFixture.SettableClock();
        BrokerChallenges challenges = new BrokerChallenges(KeyBroker.CHALLENGE_LIFETIME, clock);
        byte[] captured = servedOnce(challenges);

        clock.advance(KeyBroker.CHALLENGE_LIFETIME.minusMillis(10));
        Instant replayNow = challenges.now();   // the replay reads the time, then waits
        clock.advance(Duration.ofMillis(20));
        servedOnce(challenges);                  // sweeps the captured nonce

        assertThatThrownBy(() -> challenges.check(captured, CONTRACT, replayNow))
                .isInstanceOfSatisfying(BrokerRefusal.class, r -> assertThat(r.reason()).isEqualTo(BrokerRefusal.Reason.STALE_CHALLENGE));
    }

    @Test
    void aReplayWhoseNonceWasSweptBetweenItsCheckAndItsUseIsRefused() throws Exception {
        BrokerFixture.SettableClock clock = new BrokerFixture.SettableClock();
        BrokerChallenges challenges = new BrokerChallenges(KeyBroker.CHALLENGE_LIFETIME, clock);
        Instant issued = challenges.now();
        byte[] captured = challenges.issue(CONTRACT, issued);

        challenges.check(captured, CONTRACT, issued);   // the replay passes its check, then its (slow) appraisal runs
        challenges.check(captured, CONTRACT, issued);   // the genuine request, checked and used meanwhile
        challenges.markUsed(captured, issued);
        clock.advance(KeyBroker.CHALLENGE_LIFETIME.plusMillis(10));
        servedOnce(challenges);                           // sweeps the captured nonce

        assertThatThrownBy(() -> challenges.markUsed(captured, issued))
                .as("a nonce expired by the time it is used is not spent again")
                .isInstanceOfSatisfying(BrokerRefusal.class, r -> assertThat(r.reason()).isEqualTo(BrokerRefusal.Reason.STALE_CHALLENGE));
    }

    private static byte[] servedOnce(BrokerChallenges challenges) throws BrokerRefusal {
        Instant now = challenges.now();
        byte[] nonce = challenges.issue(CONTRACT, now);
        challenges.check(nonce, CONTRACT, now);
        challenges.markUsed(nonce, now);
        return nonce;
    }
}
