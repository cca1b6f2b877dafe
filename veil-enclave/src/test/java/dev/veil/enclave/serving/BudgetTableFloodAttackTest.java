package dev.veil.enclave.serving;

import static org.assertj.core.api.Assertions.assertThatCode;

import dev.veil.protocol.serving.ServingBudget;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Locking every new data provider out of a contract open to {@code any}, at no cost. {@link Budgets} keeps a place for
 * each identity that ever reserved rows, up to {@code ServingInstance.MAX_DATA_PROVIDERS} (100,000), and never frees
 * one, even when every row it reserved was given back because the request got no output. Under {@code any} a stranger
 * mints 100,000 identities and sends each one signed request whose tensors have the right rows but a wrong element
 * type: it passes the gateway and the rows check, reserves a row, is refused by the model's signature check before
 * anything runs, and is refunded. Nothing is answered, nothing is logged, no budget is used; afterwards every honest
 * data provider new to the instance is refused ("serves as many data providers as it may") until the contract expires.
 *
 * <p>Safe behaviour: an identity that has had nothing answered holds no place (its entry goes when its rows are all
 * given back), so only identities that were really served count against the bound. Today the newcomer is refused.
 */
class BudgetTableFloodAttackTest {
    @Test
    void identitiesThatWereNeverAnsweredDoNotFillTheBudgetTable() throws Exception {
        Budgets budgets = new Budgets(new ServingBudget(100L, 1_000L), 1, 2);
        Instant now = Instant.parse("2026-12-01T12:00:00Z");
        for (String stranger : new String[] {"stranger-1", "stranger-2"}) {
            budgets.reserve(stranger, 1, now);
            budgets.refund(stranger, 1, now);   // refused by the model's signature check: no output, rows given back
        }
        assertThatCode(() -> budgets.reserve("honest-dp", 1, now)).doesNotThrowAnyException();
    }
}
