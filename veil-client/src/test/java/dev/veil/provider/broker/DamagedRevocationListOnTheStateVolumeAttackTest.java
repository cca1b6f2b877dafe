package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whoever can write the state volume rewrites {@code revoked} with a line that is no revocation (found by
 * BrokerStateFuzzTest#revocationList: an instance of 68 hex digits). {@code veil broker revoke} must refuse with the
 * file named, as a checked exception, and leave the list as it is; it threw an IllegalArgumentException (the CLI's
 * "internal error"), and a line that is not ASCII a bare MalformedInputException.
 */
class DamagedRevocationListOnTheStateVolumeAttackTest {
    private static final String INSTANCE = "ab".repeat(32);

    @TempDir
    Path dir;

    @Test
    void revokeRefusesAListWithALineThatIsNoRevocation() throws Exception {
        refusedAndLeftAsItIs("instance " + "0".repeat(67) + "1\n");
    }

    @Test
    void revokeRefusesAListThatIsNotAscii() throws Exception {
        refusedAndLeftAsItIs("instance caf\u00e9\n");
    }

    private void refusedAndLeftAsItIs(String damaged) throws Exception {
        BrokerState state = BrokerState.open(dir.resolve("state"));
        Files.writeString(state.revoked(), damaged, StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ReleaseAudit.revoke(state, null, INSTANCE, Clock.systemUTC(), Duration.ZERO))
                .isInstanceOf(FileSystemException.class)
                .hasMessageContaining(state.revoked().toString())
                .hasMessageContaining("damaged");
        assertThat(Files.readString(state.revoked(), StandardCharsets.UTF_8)).isEqualTo(damaged);
        assertThat(new Revocations(state.revoked()).current().revoked(INSTANCE)).isTrue();   // unreadable: every release refused
    }
}
