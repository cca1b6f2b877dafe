package dev.veil.enclave.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.Platform;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A stranger keeps the model provider from ever provisioning. POST /v1/attest needs no identity, and every call stores
 * a challenge in {@link Challenges}, which holds {@link ServingInstance#MAX_OPEN_CHALLENGES} (1024) and forgets the
 * oldest when full. The MP attests, appraises the evidence (on real platforms: collateral fetches, seconds), then sends
 * its release naming its enclave nonce. Anyone who makes 1024 attestation calls in that window (a loop against a public
 * endpoint; every honest DP's attestation counts too) evicts the MP's challenge, and the release is refused as
 * "answers no attestation this instance gave": attest again, lose again.
 *
 * <p>Safe behaviour: attestations by others cannot evict a challenge before its lifetime ends (e.g. refuse new
 * challenges when full instead of forgetting live ones, or keep challenges only for attestations that may lead to a
 * provisioning, so that a stranger cannot take the MP's place). Before the fix the MP's challenge was gone.
 */
class ChallengeEvictionAttackTest {
    @Test
    void strangersAttestationsCannotEvictTheModelProvidersOpenChallenge() throws ServingFailure {
        Challenges challenges = new Challenges(ServingInstance.MAX_OPEN_CHALLENGES, ServingInstance.CHALLENGE_LIFETIME);
        Instant now = Instant.parse("2026-12-01T12:00:00Z");
        byte[] mpNonce = nonce(-1);
        challenges.issued(mpNonce, issued(now));
        int refused = 0;
        for (int i = 0; i < ServingInstance.MAX_OPEN_CHALLENGES; i++) {   // a stranger's loop, within seconds
            try {
                challenges.issued(nonce(i), issued(now.plusMillis(i)));
            } catch (ServingFailure f) {
                assertThat(f.status()).as("a stranger's attestation when the table is full").isEqualTo(503);
                refused++;
            }
        }
        assertThat(refused).as("strangers' attestations past the table's capacity").isEqualTo(1);
        assertThat(challenges.take(mpNonce, now.plusSeconds(5)))
                .as("the model provider's challenge, 5 s old, after 1024 attestations by others").isNotNull();
    }

    /** Past the protected window the oldest challenge gives way, so a full table does not refuse attestations for long. */
    @Test
    void aFullTableForgetsTheOldestChallengeOnlyPastItsProtectedWindow() throws ServingFailure {
        Challenges challenges = new Challenges(2, ServingInstance.CHALLENGE_LIFETIME);
        Instant now = Instant.parse("2026-12-01T12:00:00Z");
        challenges.issued(nonce(0), issued(now));
        challenges.issued(nonce(1), issued(now.plusSeconds(1)));
        Instant later = now.plus(Challenges.PROTECTED).plusSeconds(1);
        challenges.issued(nonce(2), issued(later));
        assertThat(challenges.take(nonce(0), later)).as("the oldest, past its protected window").isNull();
        assertThat(challenges.take(nonce(1), later)).as("the next, still protected").isNotNull();
        assertThat(challenges.take(nonce(2), later)).isNotNull();
    }

    private static Challenges.Issued issued(Instant at) {
        return new Challenges.Issued(new byte[32], Platform.SIM, new byte[] {1}, List.of(), at);
    }

    private static byte[] nonce(int i) {
        return ByteBuffer.allocate(32).putInt(i).array();
    }
}
