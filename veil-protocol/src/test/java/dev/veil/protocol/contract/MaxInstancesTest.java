package dev.veil.protocol.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.TestParties;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * {@code max_instances}: absent means one instance and leaves the canonical form (and so every older contract's hash)
 * unchanged; present, it is signed like every term, and out of range it is refused before anyone signs.
 */
class MaxInstancesTest {
    private static SessionContract draft() {
        return TestParties.contract(Instant.now().plus(Duration.ofHours(1)));
    }

    @Test
    void absentMeansOneAndIsLeftOutOfTheCanonicalForm() throws Exception {
        SessionContract c = draft();
        assertThat(c.instanceLimit()).isEqualTo(1);
        assertThat(new String(c.canonicalBytes(), StandardCharsets.UTF_8)).doesNotContain("max_instances");
        SessionContract parsed = Json.parse(c.canonicalBytes(), SessionContract.class, "contract");
        assertThat(parsed.hash()).isEqualTo(c.hash());
    }

    @Test
    void raisingMaxInstancesChangesTheHashSoOldSignaturesDoNotCoverIt() throws Exception {
        SessionContract one = draft();
        SessionContract many = one.withMaxInstances(5);
        assertThat(many.hash()).isNotEqualTo(one.hash());
        SignedContract signedForOne = SignedContract.unsigned(one).signedBy(Role.MODEL_PROVIDER, TestParties.MP)
                .signedBy(Role.DATA_PROVIDER, TestParties.DP);
        SignedContract forged = new SignedContract(many, signedForOne.signatures());
        assertThatThrownBy(() -> ContractVerifier.verify(forged, Instant.now())).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("does not verify");
        assertThat(Json.parse(many.canonicalBytes(), SessionContract.class, "contract").instanceLimit()).isEqualTo(5);
    }

    @Test
    void zeroNegativeOrHugeMaxInstancesIsRefused() {
        for (int bad : new int[] {0, -1, ContractVerifier.MAX_INSTANCES_LIMIT + 1}) {
            assertThatThrownBy(() -> ContractVerifier.checkTerms(draft().withMaxInstances(bad))).as("" + bad)
                    .isInstanceOf(ProtocolException.class).hasMessageContaining("max_instances");
        }
    }

    @Test
    void maxInstancesMustBeAnInteger() {
        String json = new String(draft().withMaxInstances(2).canonicalBytes(), StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Json.parse(json.replace("\"max_instances\":2", "\"max_instances\":\"2\"")
                .getBytes(StandardCharsets.UTF_8), SessionContract.class, "contract")).isInstanceOf(ProtocolException.class);
    }
}
