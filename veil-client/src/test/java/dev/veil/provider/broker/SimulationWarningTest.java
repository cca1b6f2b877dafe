package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.Simulation;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The operator is still told, at the first simulated release and every minute after, how many went to simulated instances. */
class SimulationWarningTest {
    private long now = 5;
    private final List<String> lines = new ArrayList<>();
    private final SimulationWarning warning = new SimulationWarning(() -> now, lines::add);

    @Test
    void firstSimulatedReleaseIsWarnedAtOnceAndLaterOnesEveryMinuteWithTheirCount() {
        warning.released();
        assertThat(lines).containsExactly(Simulation.ONE_LINE + " (1 release(s) to simulated instances since the last warning)");
        now += 1_000_000_000L;
        warning.released();
        now += SimulationWarning.EVERY_NANOS - 2_000_000_000L;
        warning.released();
        assertThat(lines).hasSize(1);
        now += 1_000_000_000L;
        warning.released();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).startsWith(Simulation.ONE_LINE).contains("(3 release(s)");
    }
}
