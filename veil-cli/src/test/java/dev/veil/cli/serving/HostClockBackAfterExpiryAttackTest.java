package dev.veil.cli.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.enclave.serving.ServerLimits;
import dev.veil.provider.serving.ServingClient;
import dev.veil.provider.serving.ServingRefused;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile host steps the instance's clock past the serving contract's expiry (or the contract simply expires), then
 * back: the model must not answer again. Here the instance is given the host's clock itself (the default is the
 * process's monotonic clock, which host steps do not move at all): whatever clock it is given, it never reads earlier
 * than it did.
 */
class HostClockBackAfterExpiryAttackTest {
    @Test
    void aContractPastItsExpiryStaysExpiredWhenTheHostStepsTheClockBack(@TempDir Path dir) throws Exception {
        AtomicReference<Instant> host = new AtomicReference<>(Instant.now());
        Clock hostClock = new Clock() {
            @Override
            public Instant instant() {
                return host.get();
            }

            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }
        };
        try (ServingFixture f = new ServingFixture(dir)) {
            f.enclave.close();
            f.start(ServerLimits.defaults(), hostClock);
            ServingClient mp = f.client();
            f.provision(mp);
            ServingClient dp = f.client();
            assertThat(dp.infer(ServingFixture.DP, ServingFixture.crops(1, 1)).outputsNpz()).isNotEmpty();

            host.set(f.contract.expiresAt().plus(Duration.ofMinutes(1)));
            assertThatThrownBy(() -> dp.infer(ServingFixture.DP, ServingFixture.crops(1, 2))).isInstanceOfSatisfying(ServingRefused.class,
                    e -> assertThat(e.reason()).isEqualTo("contract_refused"));

            host.set(Instant.now());   // and back
            assertThatThrownBy(() -> dp.infer(ServingFixture.DP, ServingFixture.crops(1, 3)))
                    .as("a contract found expired is expired for good")
                    .isInstanceOfSatisfying(ServingRefused.class, e -> assertThat(e.reason()).isEqualTo("contract_refused"));
        }
    }
}
