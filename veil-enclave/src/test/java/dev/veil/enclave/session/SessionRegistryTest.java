package dev.veil.enclave.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.enclave.EnclaveConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SessionRegistryTest {
    private static SessionRegistry registry(int maxTombstones) {
        EnclaveConfig.ServiceLimits d = EnclaveConfig.ServiceLimits.defaults();
        return new SessionRegistry(EnclaveConfig.simDefaults(Path.of("unused")).withLimits(new EnclaveConfig.ServiceLimits(
                d.handshakeTimeout(), d.idleTimeout(), d.maxConnections(), d.maxConnectionsPerSource(), d.maxOpenSessions(), maxTombstones)));
    }

    @Test
    void selfMadeContractsCannotGrowTheTombstonesWithoutBound() {
        try (SessionRegistry r = registry(2)) {
            Instant farFuture = Instant.now().plus(Duration.ofDays(3650));
            for (int i = 0; i < 10; i++) {
                assertThat(r.retire("contract-" + i, farFuture, true)).isTrue();
            }
            assertThat(r.tombstoneCount()).isEqualTo(2);
            assertThat(r.isTombstoned("contract-9")).isTrue();
            assertThat(r.isTombstoned("contract-0")).as("the oldest is forgotten first").isFalse();
        }
    }

    @Test
    void sessionWithoutAKeyReleaseLeavesNoTombstone() {
        try (SessionRegistry r = registry(10)) {
            assertThat(r.retire("hello-only", Instant.now().plusSeconds(3600), false)).isFalse();
            assertThat(r.isTombstoned("hello-only")).isFalse();
        }
    }
}
