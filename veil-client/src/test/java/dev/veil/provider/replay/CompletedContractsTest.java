package dev.veil.provider.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.contract.Role;
import dev.veil.protocol.json.ProtocolException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The provider's replay record on its own; the CLI test runs it end to end against a restarted enclave. */
class CompletedContractsTest {
    static final byte[] CONTRACT = new byte[32];
    static final byte[] OTHER = new byte[32];

    static {
        Arrays.fill(CONTRACT, (byte) 0x3f);
        Arrays.fill(OTHER, (byte) 0x11);
    }

    @TempDir
    Path dir;

    @Test
    void contractWhoseKeyWasReleasedCannotRunAgain() throws Exception {
        CompletedContracts record = new CompletedContracts(dir.resolve("state"), Optional.empty());
        record.beforeConnecting(CONTRACT, Role.MODEL_PROVIDER);
        record.beforeKeyRelease(CONTRACT, Role.MODEL_PROVIDER);
        // the binding check refuses even a run that passed the early check before the first one recorded its release
        assertThatThrownBy(() -> record.beforeKeyRelease(CONTRACT, Role.MODEL_PROVIDER))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("already ran contract 3f3f3f3f3f3f3f3f")
                .hasMessageContaining("not finished").hasMessageContaining("--rerun 3f3f3f3f");
        record.finished(CONTRACT, Role.MODEL_PROVIDER);
        CompletedContracts reopened = new CompletedContracts(dir.resolve("state"), Optional.empty());
        assertThatThrownBy(() -> reopened.beforeConnecting(CONTRACT, Role.MODEL_PROVIDER)).hasMessageContaining(", finished");
        // another contract, or the other role on the same machine, is not affected
        reopened.beforeConnecting(OTHER, Role.MODEL_PROVIDER);
        reopened.beforeConnecting(CONTRACT, Role.DATA_PROVIDER);
        assertThat(reopened.entries()).hasSize(2);
    }

    @Test
    void rerunMustNameThisContract() throws Exception {
        new CompletedContracts(dir, Optional.empty()).beforeKeyRelease(CONTRACT, Role.DATA_PROVIDER);
        new CompletedContracts(dir, Optional.of("3f3f3f3f")).beforeKeyRelease(CONTRACT, Role.DATA_PROVIDER);
        assertThatThrownBy(() -> new CompletedContracts(dir, Optional.of("11111111")).beforeConnecting(CONTRACT, Role.DATA_PROVIDER))
                .hasMessageContaining("does not name this contract");
        assertThatThrownBy(() -> new CompletedContracts(dir, Optional.of("3f3f")))
                .hasMessageContaining("at least the first 8");
        assertThat(new CompletedContracts(dir, Optional.empty()).entries()).hasSize(2);
    }

    @Test
    void recordIsOwnerOnlyAndWrittenWhole() throws Exception {
        CompletedContracts record = new CompletedContracts(dir.resolve("state"), Optional.empty());
        record.beforeKeyRelease(CONTRACT, Role.MODEL_PROVIDER);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("state")))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(record.file()))).isEqualTo("rw-------");
        assertThat(Files.readString(record.file())).isEqualTo("veil completed contracts v1\n" + HexFormat.of().formatHex(CONTRACT)
                + " model_provider released " + record.entries().get(0).at() + "\n");
        try (var files = Files.list(dir.resolve("state"))) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactly("completed-contracts", "completed-contracts.lock");
        }
    }

    @Test
    void damagedRecordIsRefusedNotIgnored() throws Exception {
        CompletedContracts record = new CompletedContracts(dir, Optional.empty());
        record.beforeKeyRelease(CONTRACT, Role.MODEL_PROVIDER);
        Files.writeString(record.file(), Files.readString(record.file()).replace(" released ", " maybe "));
        assertThatThrownBy(() -> record.beforeConnecting(CONTRACT, Role.MODEL_PROVIDER))
                .hasMessageContaining("is damaged at line 2");
        Files.writeString(record.file(), "veil completed contracts v1\n" + "ab".repeat(32));   // cut mid-line
        assertThatThrownBy(() -> record.beforeConnecting(CONTRACT, Role.MODEL_PROVIDER)).hasMessageContaining("is damaged");
    }

    @Test
    void stateDirectoryOthersCanWriteIsRefused() throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> new CompletedContracts(shared, Optional.empty()).beforeConnecting(CONTRACT, Role.MODEL_PROVIDER))
                .hasMessageContaining("writable by other users");
    }
}
