package dev.veil.enclave;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class EnclaveConfigTest {
    /**
     * Two providers on machines with different core counts must compute the same sim measurement from the same build
     * and settings; "every core" is measured as configured, not as resolved on this machine.
     */
    @Test
    void measuredSettingsDoNotDependOnTheMachinesCoreCount() {
        EnclaveConfig defaults = EnclaveConfig.simDefaults(Path.of("w"));
        assertThat(defaults.measuredSettings()).contains(";threads=auto;")
                .doesNotContain("threads=" + Runtime.getRuntime().availableProcessors());
        assertThat(defaults.withBatchSize(64).measuredSettings()).contains(";threads=auto;");
    }

    @Test
    void anExplicitThreadCountIsMeasuredAsConfigured() {
        EnclaveConfig d = EnclaveConfig.simDefaults(Path.of("w"));
        EnclaveConfig three = new EnclaveConfig(d.platform(), d.bindAddress(), d.port(), d.workDir(), d.batchSize(), 3,
                d.maxModelBytes(), d.maxDatasetBytes(), d.partyTimeout(), false);
        assertThat(three.measuredSettings()).contains(";threads=3;");
    }
}
