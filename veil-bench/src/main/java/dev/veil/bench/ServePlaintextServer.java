package dev.veil.bench;

import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.inference.InferenceException;
import dev.veil.enclave.inference.ModelRunner;
import dev.veil.enclave.serving.Coalescer;
import dev.veil.enclave.serving.Endpoint;
import dev.veil.enclave.serving.Reply;
import dev.veil.enclave.serving.Route;
import dev.veil.enclave.serving.ServerLimits;
import dev.veil.enclave.serving.ServingFailure;
import dev.veil.enclave.serving.ServingMetrics;
import dev.veil.enclave.serving.ServingServer;
import dev.veil.enclave.serving.TensorBatching;
import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.protocol.servinghttp.RequestBounds;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.TensorFormatException;
import dev.veil.tensor.npz.Npz;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code ./bench serve}'s plaintext baseline, and nothing else: the serving enclave's own HTTP server
 * ({@link ServingServer}, the same {@link ServerLimits}) and the same batching ({@link TensorBatching#coalescer}: the same
 * coalescer, batch rows and wait; the model loaded as a provisioned instance loads it, into an ONNX Runtime worker
 * process of its own), with encryption, attestation, request
 * signatures, budgets, the replay guard and the transparency log all off: {@code POST /v1/infer} takes the request's
 * {@code .npz} in the clear and answers the outputs' {@code .npz} in the clear.
 *
 * <p>It exists to measure what confidentiality costs. It lives in veil-bench, which nothing else depends on, so no
 * {@code veil} command can start it: an operator cannot serve a model this way.
 */
final class ServePlaintextServer implements AutoCloseable {
    /** Every request of the baseline is one caller's, as every request of the benchmark's confidential load is one data provider's. */
    private static final String CALLER = "plaintext-baseline";

    private final ModelRunner model;
    private final Coalescer<TensorBatching.Request, NamedTensors> batches;
    private final ServingServer server;
    private final OutsideModel outside;

    /**
     * The time answered requests spent in the endpoint outside their model run and batch wait (reading the inputs,
     * writing the outputs): the baseline's twin of the enclave's {@code veil_infer_outside_model} metric; and the rows
     * of its model runs, the twin of {@code veil_batch_rows}.
     */
    static final class OutsideModel {
        private final java.util.concurrent.atomic.LongAdder nanos = new java.util.concurrent.atomic.LongAdder();
        private final java.util.concurrent.atomic.LongAdder count = new java.util.concurrent.atomic.LongAdder();

        void record(long n) {
            nanos.add(n);
            count.increment();
        }

        private final java.util.concurrent.atomic.LongAdder batchRows = new java.util.concurrent.atomic.LongAdder();
        private final java.util.concurrent.atomic.LongAdder batches = new java.util.concurrent.atomic.LongAdder();

        void batch(int rows) {
            batchRows.add(rows);
            batches.increment();
        }

        /** Seconds summed and requests counted so far, then rows run and model runs so far. */
        double[] totals() {
            return new double[] {nanos.sum() / 1e9, count.sum(), batchRows.sum(), batches.sum()};
        }
    }

    private ServePlaintextServer(ModelRunner model, Coalescer<TensorBatching.Request, NamedTensors> batches, ServingServer server,
                                 OutsideModel outside) {
        this.outside = outside;
        this.model = model;
        this.batches = batches;
        this.server = server;
    }

    /** Loads {@code onnxModel} as a provisioned serving instance loads it, and listens on a free loopback port. */
    static ServePlaintextServer start(byte[] onnxModel, ModelSignature signature, EnclaveConfig config, ServerLimits limits,
                                      Duration runLimit, int queueCapacity) throws IOException, InferenceException {
        ModelRunner model = new ModelRunner(onnxModel, signature, config.intraOpThreads(), config.workDir().resolve("ort-scratch"));
        OutsideModel outside = new OutsideModel();
        Coalescer<TensorBatching.Request, NamedTensors> batches = TensorBatching.coalescer(model, runLimit, config.batchSize(),
                queueCapacity, outside::batch);
        long answerWithin = runLimit.toSeconds() + 30;
        Endpoint infer = x -> {
            long arrived = System.nanoTime();
            NamedTensors inputs;
            try {
                inputs = Npz.read(x.body(limits.maxRequestBytes()), RequestBounds.MAX_INPUT_BYTES);
            } catch (TensorFormatException e) {
                throw new ServingFailure(422, FailureCode.DATASET_INVALID, "inputs: " + e.getMessage());
            }
            try {
                long submitted = System.nanoTime();
                NamedTensors outputs = batches.submit(new TensorBatching.Request(CALLER, inputs)).get(answerWithin, TimeUnit.SECONDS);
                long ran = System.nanoTime() - submitted;
                Reply reply = new Reply(200, Reply.BINARY, Npz.write(outputs));
                outside.record(System.nanoTime() - arrived - ran);
                return reply;
            } catch (Coalescer.Full e) {
                throw new ServingFailure(503, FailureCode.SESSION_UNAVAILABLE, "the batch queue is full");
            } catch (ExecutionException | TimeoutException e) {
                throw new ServingFailure(500, FailureCode.INFERENCE_FAILED, "the run failed");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ServingFailure(503, FailureCode.ENCLAVE_SHUTDOWN, "interrupted");
            }
        };
        try {
            ServingServer server = ServingServer.start("127.0.0.1", 0, limits, new ServingMetrics(), Map.of(Route.INFER, infer));
            return new ServePlaintextServer(model, batches, server, outside);
        } catch (IOException | RuntimeException e) {
            batches.close();
            model.close();
            throw e;
        }
    }

    OutsideModel outsideModel() {
        return outside;
    }

    int port() {
        return server.port();
    }

    @Override
    public void close() {
        server.close();
        batches.close();
        model.close();
    }
}
