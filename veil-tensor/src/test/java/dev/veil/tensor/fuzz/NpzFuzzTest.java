package dev.veil.tensor.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.TensorFormatException;
import dev.veil.tensor.npz.Npz;
import java.util.Arrays;

/**
 * The data provider's .npz is untrusted inside the enclave: parse or reject with a reason, never crash, never inflate
 * past the limit; and what parses, written back by Veil, reads back to the same arrays.
 */
class NpzFuzzTest {
    private static final long LIMIT = 1 << 20;

    @FuzzTest(maxDuration = "5s")
    void readArbitraryNpz(FuzzedDataProvider data) throws TensorFormatException {
        NamedTensors read;
        try {
            read = Npz.read(data.consumeRemainingAsBytes(), LIMIT);
        } catch (TensorFormatException expected) {
            return;   // rejected with a reason
        }
        NamedTensors again = Npz.read(Npz.write(read), LIMIT);
        if (!again.names().equals(read.names())) {
            throw new IllegalStateException("written back, the names changed: " + read.names() + " then " + again.names());
        }
        for (Tensor t : read.tensors()) {
            Tensor u = again.get(t.name());
            if (u.type() != t.type() || !Arrays.equals(u.shape(), t.shape()) || !Arrays.equals(u.data(), t.data())) {
                throw new IllegalStateException("written back, array " + t + " became " + u);
            }
        }
    }
}
