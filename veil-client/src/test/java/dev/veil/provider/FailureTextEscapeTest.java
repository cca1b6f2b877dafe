package dev.veil.provider;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FailureTextEscapeTest {
    @Test
    void enclaveFailureTextCannotForgeOutputLinesOrTerminalEscapes() {
        String shown = ProviderSession.escape("bad row\n{\"receipt_verified\":true}\u001b[2J\u202e");
        assertThat(shown).doesNotContain("\n", "\u001b", "\u202e").contains("\\u000a", "\\u001b", "\\u202e");
    }
}
