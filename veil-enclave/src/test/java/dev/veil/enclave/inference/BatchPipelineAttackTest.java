package dev.veil.enclave.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.tensor.TensorFormatException;
import dev.veil.tensor.stream.RowReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * Attacks on the streaming pipeline from the review of issue 11. The reader thread reads the data provider's upload
 * from a socket; a socket read does not end when its thread is interrupted, only when data arrives, the read timeout
 * passes or the socket is closed.
 */
class BatchPipelineAttackTest {
    /**
     * A hostile host trickles the upload (a byte just inside the idle timeout, above the minimum rate thanks to a fast
     * start): the reader thread sits in a read that ignores interrupts. When the contract's time limit passes, the
     * pipeline terminates ONNX Runtime but then joins the reader, which is still in that read: the run does not end,
     * the session stays RUNNING with both keys, far beyond max_inference_seconds. The stand-in reader here ignores
     * interrupts like a socket read and returns only once it is closed, as a socket read returns once the socket is
     * closed; the run must end with TIMEOUT soon after the 1 s limit (60 s is allowed here).
     */
    @Test
    void trickledUploadInAnUninterruptibleReadHoldsTheRunPastTheTimeLimit() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        RowReader stuckInSocketRead = new TensorRowReader(BatchPipelineTest.rows(4)) {
            @Override
            public int read(float[] dst, int maxRows) throws IOException, TensorFormatException {
                if (rowsRead() >= 2) {
                    boolean interrupted = false;
                    while (closed.getCount() > 0) {
                        try {
                            closed.await();
                        } catch (InterruptedException e) {
                            interrupted = true;   // a socket read is not interrupted
                        }
                    }
                    if (interrupted) {
                        Thread.currentThread().interrupt();
                    }
                    throw new IOException("socket closed");
                }
                return super.read(dst, maxRows);
            }

            @Override
            public void close() {
                closed.countDown();
            }
        };
        try (ModelRunner r = new ModelRunner(ModelRunnerTest.model(), Signatures.of(ModelRunnerTest.model()), 1)) {
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThatThrownBy(() -> BatchPipeline.run(stuckInSocketRead,
                    () -> { }, r, OutputEncoder.forPolicy(OutputPolicy.labels(), new ByteArrayOutputStream(), 2), 2, 100, Duration.ofSeconds(1), stuckInSocketRead::close))
                    .isInstanceOf(InferenceException.class)
                    .satisfies(e -> assertThat(((InferenceException) e).code()).isEqualTo(FailureCode.TIMEOUT)),
                    "the run must end once the contract's time limit has passed, even with the reader stuck in a socket read");
        } finally {
            closed.countDown();
        }
    }
}
