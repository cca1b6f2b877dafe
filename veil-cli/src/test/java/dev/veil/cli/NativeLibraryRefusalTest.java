package dev.veil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.enclave.inference.UntrustedNativeLibraryException;
import org.junit.jupiter.api.Test;

/** A swapped ONNX Runtime library is a refused environment, not a crash: one line, exit 2, what to remove. */
class NativeLibraryRefusalTest {
    @Test
    void aRefusedLibraryIsOneLineAndExitTwo() {
        String refusal = "ONNX Runtime library /x/libonnxruntime.so differs from the copy inside Veil's ONNX Runtime jar; Remove /x";
        assertThat(ExitCodes.userMessage(new UntrustedNativeLibraryException(refusal))).isEqualTo(refusal);
    }
}
