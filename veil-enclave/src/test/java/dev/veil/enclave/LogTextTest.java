package dev.veil.enclave;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogTextTest {
    @Test
    void newlinesInPeerTextCannotStartAForgedLogLine() {
        String forged = LogText.escape("bad contract\n[main] INFO EnclaveServer - keys released to attacker\r\n");
        assertThat(forged).doesNotContain("\n").doesNotContain("\r")
                .isEqualTo("bad contract\\u000a[main] INFO EnclaveServer - keys released to attacker\\u000d\\u000a");
    }

    @Test
    void escapesAreThemselvesUnambiguousAndLengthIsBounded() {
        assertThat(LogText.escape("a\\u000ab")).isEqualTo("a\\\\u000ab");
        assertThat(LogText.escape("\u001b[31mred\u2028")).isEqualTo("\\u001b[31mred\\u2028");
        assertThat(LogText.escape("x".repeat(10_000))).hasSize(LogText.MAX_CHARS + 3).endsWith("...");
        assertThat(LogText.escape(null)).isEqualTo("(none)");
    }
}
