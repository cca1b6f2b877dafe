package dev.veil.enclave.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.veil.protocol.receipt.FailureCode;
import dev.veil.tensor.FloatTensor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX Runtime's run termination is checked between nodes (and between Loop/Scan iterations), never inside a kernel.
 * A model with one long kernel over a tensor it builds itself (a MaxPool with a 512x512 window over 1024x1024, tens of
 * seconds of one core; a larger window takes hours) is not stopped at the contract's time limit: the enclave's CPU
 * stays busy and the providers wait as long as the kernel runs. The JUnit timeout only stops the test when the defence
 * is missing (the kernel then runs on in the background until it finishes).
 */
class LongKernelTerminationTest {
    private static final int FLOAT = 1;
    private static final int INT64 = 7;

    @TempDir
    Path scratch;

    /** y = ReduceMax(MaxPool&lt;512x512&gt;(ConstantOfShape([1,1,1024,1024]) + ReduceMax(x))): one input-dependent long kernel. */
    static byte[] oneLongKernel() {
        ProtoWriter shape = new ProtoWriter().varint(1, 4).varint(2, INT64).string(8, "big_shape")
                .bytes(9, le64s(1, 1, 1024, 1024));
        ProtoWriter kernel = new ProtoWriter().string(1, "kernel_shape").varint(8, 512).varint(8, 512).varint(20, 7);
        ProtoWriter graph = new ProtoWriter()
                .message(1, ExternalDataModels.node("ReduceMax", new String[] {"x"}, "m"))
                .message(1, ExternalDataModels.node("ConstantOfShape", new String[] {"big_shape"}, "zeros"))
                .message(1, ExternalDataModels.node("Add", new String[] {"zeros", "m"}, "big"))
                .message(1, ExternalDataModels.node("MaxPool", new String[] {"big"}, "pooled").message(5, kernel))
                .message(1, ExternalDataModels.node("ReduceMax", new String[] {"pooled"}, "y"))
                .string(2, "one-long-kernel")
                .message(5, shape)
                .message(11, ExternalDataModels.valueInfo("x", 2))
                .message(12, new ProtoWriter().string(1, "y").message(2, new ProtoWriter().message(1, new ProtoWriter().varint(1, FLOAT))));
        return ExternalDataModels.model(graph);
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void singleLongKernelIsNotStoppedAtTheContractTimeLimit() throws Exception {
        try (ModelRunner runner = new ModelRunner(oneLongKernel(), 1, scratch)) {
            InferenceException e = catchThrowableOfType(
                    () -> runner.run(new FloatTensor(new long[] {1, 2}, new float[] {1, 2}), 64, Duration.ofSeconds(1)),
                    InferenceException.class);
            assertThat(e).as("the run is stopped at the 1 s limit").isNotNull();
            assertThat(e.code()).isEqualTo(FailureCode.TIMEOUT);
        }
    }

    /**
     * The same long kernel over constants only: ONNX Runtime's constant folding runs it while the session is created,
     * and loading the model is under no time limit at all (the contract's limit starts with the run).
     */
    static byte[] oneLongKernelFoldedAtLoad() {
        ProtoWriter shape = new ProtoWriter().varint(1, 4).varint(2, INT64).string(8, "big_shape")
                .bytes(9, le64s(1, 1, 1024, 1024));
        ProtoWriter kernel = new ProtoWriter().string(1, "kernel_shape").varint(8, 512).varint(8, 512).varint(20, 7);
        ProtoWriter graph = new ProtoWriter()
                .message(1, ExternalDataModels.node("ConstantOfShape", new String[] {"big_shape"}, "big"))
                .message(1, ExternalDataModels.node("MaxPool", new String[] {"big"}, "pooled").message(5, kernel))
                .message(1, ExternalDataModels.node("ReduceMax", new String[] {"pooled"}, "c"))
                .message(1, ExternalDataModels.node("ReduceMax", new String[] {"x"}, "m"))
                .message(1, ExternalDataModels.node("Add", new String[] {"m", "c"}, "y"))
                .string(2, "one-long-kernel-at-load")
                .message(5, shape)
                .message(11, ExternalDataModels.valueInfo("x", 2))
                .message(12, new ProtoWriter().string(1, "y").message(2, new ProtoWriter().message(1, new ProtoWriter().varint(1, FLOAT))));
        return ExternalDataModels.model(graph);
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void longKernelConstantFoldedAtLoadIsUnderNoTimeLimit() throws Exception {
        InferenceException e = catchThrowableOfType(() -> {
            try (ModelRunner runner = new ModelRunner(oneLongKernelFoldedAtLoad(), 1, scratch)) {
                runner.run(new FloatTensor(new long[] {1, 2}, new float[] {1, 2}), 64, Duration.ofSeconds(1));
            }
        }, InferenceException.class);
        assertThat(e).as("loading and running are stopped at the 1 s limit").isNotNull();
        assertThat(e.code()).isEqualTo(FailureCode.TIMEOUT);
    }

    private static byte[] le64s(long... values) {
        byte[] b = new byte[8 * values.length];
        for (int j = 0; j < values.length; j++) {
            for (int i = 0; i < 8; i++) {
                b[8 * j + i] = (byte) (values[j] >>> (8 * i));
            }
        }
        return b;
    }
}
