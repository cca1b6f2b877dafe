package dev.veil.provider.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.json.ProtocolException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model provider's count of instances per serving contract (see BudgetAcrossInstancesAttackTest for the attack). */
class ProvisionedInstancesTest {
    private static byte[] filled(int b) {
        byte[] x = new byte[32];
        Arrays.fill(x, (byte) b);
        return x;
    }

    @Test
    void theSameInstanceAgainIsNotANewOneButAThirdPastTwoIsRefused(@TempDir Path dir) throws Exception {
        ProvisionedInstances record = new ProvisionedInstances(dir.resolve("state"), false);
        byte[] contract = filled(1);
        record.beforeRelease(contract, filled(2), 2);
        record.beforeRelease(contract, filled(2), 2);
        record.beforeRelease(contract, filled(3), 2);
        assertThatThrownBy(() -> record.beforeRelease(contract, filled(4), 2)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("max_instances").hasMessageContaining("--allow-instance-beyond-limit");
        record.beforeRelease(filled(9), filled(4), 1);                 // another contract counts on its own
        new ProvisionedInstances(dir.resolve("state"), true).beforeRelease(contract, filled(4), 2);
        assertThat(record.entries()).hasSize(4);
    }

    @Test
    void damagedRecordIsRefusedRatherThanReadAsEmpty(@TempDir Path dir) throws Exception {
        ProvisionedInstances record = new ProvisionedInstances(dir.resolve("state"), false);
        record.beforeRelease(filled(1), filled(2), 1);
        Files.writeString(record.file(), Files.readString(record.file()).replace(" 20", " x20"));
        assertThatThrownBy(() -> record.beforeRelease(filled(1), filled(3), 1)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("damaged at line 2");
    }
}
