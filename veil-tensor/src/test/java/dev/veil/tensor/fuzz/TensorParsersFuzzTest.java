package dev.veil.tensor.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.tensor.Npy;
import dev.veil.tensor.NumericCsv;
import dev.veil.tensor.TensorFormatException;

/** The data provider's bytes are untrusted inside the enclave: parse or reject, never crash. */
class TensorParsersFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void npy(FuzzedDataProvider data) {
        try {
            Npy.read(data.consumeRemainingAsBytes());
        } catch (TensorFormatException expected) {
            // rejected with a reason
        }
    }

    @FuzzTest(maxDuration = "5s")
    void csv(FuzzedDataProvider data) {
        try {
            NumericCsv.read(data.consumeRemainingAsBytes());
        } catch (TensorFormatException expected) {
            // rejected with a reason
        }
    }
}
