package dev.veil.cli;

import static dev.veil.cli.CliTest.veil;

import java.nio.file.Path;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `veil enclave run` and `measure` settings a careless operator types (issue 7, "bad input"): a port out of range is
 * an internal error (exit 1, "please report it"); a negative party timeout, batch size or thread count is accepted
 * silently (exit 0) and measured. A negative party timeout makes the enclave discard every session at its first key
 * release. Expected: exit 2 with one line naming the option and its valid range; nothing measured or started.
 * {@code measure} shares the settings with {@code run} and never listens, so it shows the refusal without a server.
 */
class EnclaveSettingsMistakesAttackTest {
    @TempDir
    Path dir;

    @Test
    void portOutOfRangeIsOneLineExitTwoNotAnInternalError() {
        CliTest.Result r = veil("enclave", "run", "--port", "-5", "--work-dir", dir.resolve("enclave").toString());
        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(r.code()).as(r.err()).isEqualTo(2);
        soft.assertThat(r.err()).doesNotContain("internal error");
        soft.assertAll();
    }

    @Test
    void negativePartyTimeoutBatchSizeOrThreadsAreRefused() {
        SoftAssertions soft = new SoftAssertions();
        for (String[] bad : new String[][] {{"--party-timeout", "-1"}, {"--party-timeout", "0"}, {"--batch-size", "0"},
                {"--batch-size", "-1"}, {"--threads", "-3"}}) {
            CliTest.Result r = veil("enclave", "measure", bad[0], bad[1], "--work-dir", dir.resolve("enclave").toString());
            soft.assertThat(r.code()).as(String.join(" ", bad) + ": " + r.out()).isEqualTo(2);
            soft.assertThat(r.err()).as(String.join(" ", bad)).contains(bad[0]);
        }
        soft.assertAll();
    }
}
