package dev.veil.cli.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.cli.CliTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 'veil broker master-key --for-contract': the scope written beside the key, and a malformed contract hash refused. */
class BrokerMasterKeyScopeTest {
    @TempDir
    Path dir;

    @Test
    void masterKeyForAContractWritesItsScope() throws Exception {
        Path state = dir.resolve("state");
        String hash = "AB".repeat(32);
        CliTest.Result r = CliTest.veil("broker", "master-key", "--state", state.toString(), "--id", "ds-1", "--for-contract", hash);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("ab".repeat(32));
        assertThat(Files.readString(state.resolve("master-keys").resolve("ds-1.contracts"))).isEqualTo("ab".repeat(32) + "\n");
    }

    @Test
    void masterKeyForSomethingThatIsNotAContractHashIsRefusedAndNothingIsWritten() throws Exception {
        Path state = dir.resolve("state");
        CliTest.Result r = CliTest.veil("broker", "master-key", "--state", state.toString(), "--id", "ds-1", "--for-contract", "c.json");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--for-contract must be a contract's hash");
        assertThat(state.resolve("master-keys").resolve("ds-1.key")).doesNotExist();
    }
}
