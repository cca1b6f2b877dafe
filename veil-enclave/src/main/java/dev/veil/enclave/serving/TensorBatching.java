package dev.veil.enclave.serving;

import dev.veil.enclave.inference.InferenceException;
import dev.veil.enclave.inference.ModelRunner;
import dev.veil.protocol.contract.Dim;
import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.contract.ValueSignature;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How requests' tensors share one model run: concatenated along the first (batch) dimension, run once under the
 * contract's time limit, and every output split back by each request's rows. Only for a model whose every input and
 * output starts with a free dimension, the inputs' all the same one; requests share a run only when they come from the
 * same data provider and their tensors agree in everything but the rows.
 *
 * <p>Why never across data providers: nothing in a signature says a model treats rows independently. A reduction over
 * the batch axis (a hostile model's {@code x - ReduceMean(x, 0)}) or a batch-wide scale (the quantized MiniLM's
 * {@code DynamicQuantizeLinear}) makes one row's output depend on the others in its run, so a shared run would hand one
 * data provider a function of another's inputs ({@code BatchDependentModelAttackTest}). Within one data provider's
 * requests the outputs are what plain ONNX Runtime gives for those rows run together.
 */
public final class TensorBatching {
    private TensorBatching() {
    }

    /** One request's inputs and whose they are: the coalescer's unit. */
    public record Request(String dataProvider, NamedTensors inputs) {
    }

    /**
     * The coalescer a served model runs behind: runs of {@code model} under {@code runLimit} each, batches of at most
     * {@code maxBatchRows} rows after at most {@link Coalescer#MAX_WAIT_LIMIT}, requests sharing a run only as this class
     * allows, at most {@code queueCapacity} waiting. {@code ./bench serve}'s plaintext baseline batches with this too.
     */
    public static Coalescer<Request, NamedTensors> coalescer(ModelRunner model, Duration runLimit, int maxBatchRows,
                                                            int queueCapacity, java.util.function.IntConsumer batchRows) {
        return new Coalescer<>(requests -> runRequests(model, requests, runLimit), TensorBatching::describe,
                batchable(model.signature()), maxBatchRows, Coalescer.MAX_WAIT_LIMIT, queueCapacity, batchRows);
    }

    /** Whether the model has a free batch dimension that its inputs share and its outputs start with. */
    static boolean batchable(ModelSignature s) {
        String name = null;
        for (ValueSignature v : s.inputs()) {
            if (v.shape() == null || v.shape().isEmpty() || !(v.shape().get(0) instanceof Dim.Free f)) {
                return false;
            }
            String n = f.name() == null ? "" : f.name();
            if (name != null && !name.equals(n)) {
                return false;
            }
            name = n;
        }
        for (ValueSignature v : s.outputs()) {
            if (v.shape() == null || v.shape().isEmpty() || !(v.shape().get(0) instanceof Dim.Free)) {
                return false;
            }
        }
        return true;
    }

    /** Every input's name, type and dimensions after the first: requests with equal keys can share a run. */
    static String shapeKey(NamedTensors inputs) {
        StringBuilder b = new StringBuilder();
        for (Tensor t : inputs.tensors()) {
            long[] s = t.shape();
            b.append(t.name()).append('\0').append(t.type()).append('\0')
                    .append(Arrays.toString(s.length == 0 ? s : Arrays.copyOfRange(s, 1, s.length))).append('\0');
        }
        return b.toString();
    }

    /** The requests' inputs, each input's tensors joined along the first dimension in request order. */
    static NamedTensors concat(List<NamedTensors> requests) {
        List<Tensor> out = new ArrayList<>();
        for (String name : requests.get(0).names()) {
            List<Tensor> parts = new ArrayList<>(requests.size());
            for (NamedTensors r : requests) {
                parts.add(r.get(name));
            }
            out.add(Tensor.concatRows(parts));
        }
        return new NamedTensors(out);
    }

    /** Each request's part of every output, by the rows each request brought; refused when an output has other rows. */
    static List<NamedTensors> split(NamedTensors outputs, long[] rowsPerRequest) {
        long total = Arrays.stream(rowsPerRequest).sum();
        for (Tensor t : outputs.tensors()) {
            if (t.rank() == 0 || t.dim(0) != total) {
                throw new IllegalStateException("an output does not have one row per input row: the batch cannot be split");
            }
        }
        List<NamedTensors> parts = new ArrayList<>(rowsPerRequest.length);
        long from = 0;
        for (long rows : rowsPerRequest) {
            List<Tensor> mine = new ArrayList<>();
            for (Tensor t : outputs.tensors()) {
                mine.add(t.rows(from, from + rows));
            }
            parts.add(new NamedTensors(mine));
            from += rows;
        }
        return parts;
    }

    /**
     * One run of the model over several requests' inputs (one request: as they are), under the contract's time limit. A
     * run past it kills the inference worker and fails as {@code timeout}; the next run starts a new worker, so one
     * hostile input does not end the instance's service.
     */
    static List<NamedTensors> run(ModelRunner model, List<NamedTensors> requests, Duration limit) throws InferenceException {
        return run(model, requests, limit, Long.MAX_VALUE);
    }

    /**
     * As above, the run holding at most {@code maxAnswerBytes} of outputs per request ({@link ModelRunner#run(NamedTensors,
     * Duration, long)}: past it the run fails as {@code limit_exceeded}, and a coalesced run is then run again a request
     * at a time, each under its own bound).
     */
    static List<NamedTensors> run(ModelRunner model, List<NamedTensors> requests, Duration limit, long maxAnswerBytes)
            throws InferenceException {
        NamedTensors in = requests.size() == 1 ? requests.get(0) : concat(requests);
        long maxOutputBytes = maxAnswerBytes > Long.MAX_VALUE / requests.size() ? Long.MAX_VALUE : maxAnswerBytes * requests.size();
        try {
            NamedTensors out = model.run(in, limit, maxOutputBytes);
            if (requests.size() == 1) {
                return List.of(out);
            }
            try {
                return split(out, requests.stream().mapToLong(r -> r.tensors().get(0).dim(0)).toArray());
            } finally {
                out.wipe();
            }
        } finally {
            if (in != requests.get(0)) {
                in.wipe();
            }
        }
    }

    /**
     * One request's outputs from a run, with when that run started and ended ({@link System#nanoTime()}): how a
     * request's time splits between its wait for a batch and the run.
     */
    public record Ran(NamedTensors outputs, long startedNanos, long endedNanos) {
    }

    /**
     * One run over requests as the coalescer groups them, holding at most {@code maxAnswerBytes} of outputs per request
     * (what the server may answer: {@link ServerLimits#maxAnswerBytes()}), each output with the run's start and end.
     */
    static List<Ran> runTimed(ModelRunner model, List<Request> requests, Duration limit, long maxAnswerBytes) throws InferenceException {
        long started = System.nanoTime();
        List<NamedTensors> outputs = run(model, requests.stream().map(Request::inputs).toList(), limit, maxAnswerBytes);
        long ended = System.nanoTime();
        return outputs.stream().map(o -> new Ran(o, started, ended)).toList();
    }

    /** One run of the model over requests as the coalescer groups them. */
    static List<NamedTensors> runRequests(ModelRunner model, List<Request> requests, Duration limit) throws InferenceException {
        return run(model, requests.stream().map(Request::inputs).toList(), limit);
    }

    static Coalescer.Job describe(Request request) {
        NamedTensors inputs = request.inputs();
        int rows = (int) Math.min(Integer.MAX_VALUE, inputs.tensors().get(0).dim(0));
        List<String> key = List.of(request.dataProvider(), shapeKey(inputs));
        return new Coalescer.Job() {
            @Override
            public int rows() {
                return rows;
            }

            @Override
            public Object shapeKey() {
                return key;
            }
        };
    }
}
