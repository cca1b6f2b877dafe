package dev.veil.enclave.inference;

import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.contract.ValueSignature;
import dev.veil.protocol.contract.ValueType;
import dev.veil.tensor.ElementType;
import dev.veil.tensor.Tensor;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The one place where the inference worker's replies become typed values. The worker ran a model that may be hostile
 * (and ONNX Runtime may have been exploited by it), so every reply is distrusted: each count, length, rank, dimension,
 * element type and output index is bounded and checked before anything is allocated from it, strings must be valid
 * UTF-8 of bounded length, and an output must be one the contract signed, in the model's order, of the signed element
 * type. Anything else is {@link Malformed}, after which the enclave stops the worker. The messages here are Veil's own
 * and never quote what the worker sent.
 */
final class WorkerReplies {
    private WorkerReplies() {
    }

    /** The reply was not what a worker running Veil's code sends. */
    static final class Malformed extends Exception {
        Malformed(String what) {
            super("the inference worker's reply was malformed (" + what + ")");
        }
    }

    /**
     * The run's outputs come to more than the caller may hold ({@code maxTotalBytes}): they were read to the reply's end
     * and dropped, so the worker can take the next request.
     */
    static final class TooLarge extends Exception {
        TooLarge() {
            super("the outputs come to more than the caller holds", null, false, false);
        }
    }

    /** The worker's FAILED reply: why, which output (for an output of a type Veil does not return), ONNX Runtime's text. */
    record Failure(int reason, int outputIndex, String onnxRuntimeText) {
    }

    /** A LOAD reply: the model's inputs and outputs as ONNX Runtime loaded them, or why it was not loaded. */
    record Loaded(List<LoadedValue> inputs, List<LoadedValue> outputs, Failure failure) {
    }

    /** A RUN reply: the outputs, named as the contract names them, or why the run failed. */
    record Ran(List<Tensor> outputs, Failure failure) {
    }

    static void readHello(DataInputStream in) throws IOException, Malformed {
        byte[] hello = new byte[WorkerProtocol.HELLO.length];
        in.readFully(hello);
        if (!Arrays.equals(hello, WorkerProtocol.HELLO)) {
            throw new Malformed("it did not start with the worker's greeting");
        }
    }

    static Loaded readLoaded(DataInputStream in) throws IOException, Malformed {
        int status = in.readUnsignedByte();
        if (status == WorkerProtocol.FAILED) {
            Failure f = readFailure(in, 0);
            if (f.reason() != WorkerProtocol.REFUSED_MODEL && f.reason() != WorkerProtocol.METADATA_UNREADABLE) {
                throw new Malformed("a load failed for a reason a load cannot have");
            }
            return new Loaded(null, null, f);
        }
        requireOk(status);
        return new Loaded(readValues(in), readValues(in), null);
    }

    /**
     * @param signed          the contract's signature, whose outputs the model's were checked to be at load
     * @param rowsOnly        the request asked for float32 and int64 outputs only
     * @param maxTensorBytes  the most bytes one output may hold: what the worker's heap could have held
     */
    static Ran readRan(DataInputStream in, ModelSignature signed, boolean rowsOnly, long maxTensorBytes) throws IOException, Malformed {
        try {
            return readRan(in, signed, rowsOnly, WorkerProtocol.EVERY_ROWS_OUTPUT, maxTensorBytes, Long.MAX_VALUE);
        } catch (TooLarge e) {
            throw new IllegalStateException(e);   // no total is past Long.MAX_VALUE
        }
    }

    /** {@link #readRan(DataInputStream, ModelSignature, boolean, int, long, long)} with no bound on the outputs' total. */
    static Ran readRan(DataInputStream in, ModelSignature signed, boolean rowsOnly, int onlyOutput, long maxTensorBytes)
            throws IOException, Malformed {
        try {
            return readRan(in, signed, rowsOnly, onlyOutput, maxTensorBytes, Long.MAX_VALUE);
        } catch (TooLarge e) {
            throw new IllegalStateException(e);   // no total is past Long.MAX_VALUE
        }
    }

    /**
     * @param onlyOutput the one output the request asked for (by its index in the model's outputs), which must then be
     *                   the reply's only output; {@link WorkerProtocol#EVERY_ROWS_OUTPUT} when it asked for more
     * @param maxTotalBytes  the most bytes the outputs may hold together: past it, every output is still checked but its
     *                       bytes are read and dropped instead of held, and {@link TooLarge} is thrown at the reply's end.
     *                       A model decides its outputs' sizes, and can make them the data's: the caller holds only what
     *                       it could use (serving: what it may answer), never the outputs times the worker's heap.
     */
    static Ran readRan(DataInputStream in, ModelSignature signed, boolean rowsOnly, int onlyOutput, long maxTensorBytes,
                       long maxTotalBytes) throws IOException, Malformed, TooLarge {
        int status = in.readUnsignedByte();
        if (status == WorkerProtocol.FAILED) {
            Failure f = readFailure(in, signed.outputs().size());
            if (f.reason() != WorkerProtocol.RUN_FAILED && (f.reason() != WorkerProtocol.OUTPUT_TYPE_UNSUPPORTED || rowsOnly)) {
                throw new Malformed("a run failed for a reason a run cannot have");
            }
            return new Ran(null, f);
        }
        requireOk(status);
        int count = in.readUnsignedShort();
        if (count > signed.outputs().size()) {
            throw new Malformed("more outputs than the model has");
        }
        if (onlyOutput >= 0 && count != 1) {
            throw new Malformed("other outputs than the one asked for");
        }
        List<Tensor> outputs = new ArrayList<>(count);
        long total = 0;   // at most count × maxTensorBytes: no overflow
        try {
            int previous = -1;
            for (int i = 0; i < count; i++) {
                int index = in.readUnsignedShort();
                if (index <= previous || index >= signed.outputs().size()) {
                    throw new Malformed("an output out of the model's order or range");
                }
                if (onlyOutput >= 0 && index != onlyOutput) {
                    throw new Malformed("other outputs than the one asked for");
                }
                previous = index;
                ValueSignature s = signed.outputs().get(index);
                ElementType type = ElementType.ofId(readString(in, WorkerProtocol.MAX_STRING_BYTES));
                if (type == null || s.type() != ValueType.fromId(type.id())) {
                    throw new Malformed("an output of another element type than the contract's");
                }
                if (rowsOnly && type != ElementType.FLOAT32 && type != ElementType.INT64) {
                    throw new Malformed("an output of a type that was not asked for");
                }
                long[] shape = readShape(in, Tensor.MAX_RANK, 0);
                long bytes = byteCount(shape, type, maxTensorBytes);
                total += bytes;
                if (total > maxTotalBytes) {
                    outputs.forEach(Tensor::wipe);
                    outputs.clear();
                    in.skipNBytes(bytes);
                    continue;
                }
                byte[] data = new byte[(int) bytes];
                try {
                    in.readFully(data);
                    outputs.add(new Tensor(s.name(), type, shape, data));
                } catch (IllegalArgumentException | IOException e) {
                    Arrays.fill(data, (byte) 0);
                    if (e instanceof IOException io) {
                        throw io;
                    }
                    throw new Malformed("an output Veil cannot hold as a tensor");
                }
            }
        } catch (IOException | Malformed | RuntimeException e) {
            outputs.forEach(Tensor::wipe);
            throw e;
        }
        if (total > maxTotalBytes) {
            throw new TooLarge();
        }
        return new Ran(outputs, null);
    }

    private static void requireOk(int status) throws Malformed {
        if (status != WorkerProtocol.OK) {
            throw new Malformed("an unknown status");
        }
    }

    private static Failure readFailure(DataInputStream in, int outputs) throws IOException, Malformed {
        int reason = in.readUnsignedByte();
        int index = in.readUnsignedShort();
        if (index > 0 && index >= outputs) {
            throw new Malformed("a failed output out of the model's range");
        }
        return new Failure(reason, index, readString(in, WorkerProtocol.MAX_TEXT_BYTES));
    }

    private static List<LoadedValue> readValues(DataInputStream in) throws IOException, Malformed {
        int count = in.readUnsignedShort();
        if (count > ModelSignature.MAX_VALUES) {
            throw new Malformed("more values than a contract's signature may hold");
        }
        List<LoadedValue> values = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String name = readString(in, WorkerProtocol.MAX_STRING_BYTES);
            int kind = in.readUnsignedByte();
            String typeId = readString(in, WorkerProtocol.MAX_STRING_BYTES);
            int rank = in.readUnsignedByte();
            if (rank > ValueSignature.MAX_RANK) {
                throw new Malformed("a rank over " + ValueSignature.MAX_RANK);
            }
            long[] shape = new long[rank];
            List<String> dimNames = new ArrayList<>(rank);
            for (int d = 0; d < rank; d++) {
                shape[d] = in.readLong();
                if (shape[d] < -1) {
                    throw new Malformed("a dimension below -1");
                }
                dimNames.add(readString(in, WorkerProtocol.MAX_STRING_BYTES));
            }
            LoadedValue.Kind k = switch (kind) {
                case WorkerProtocol.KIND_TENSOR -> LoadedValue.Kind.TENSOR;
                case WorkerProtocol.KIND_SEQUENCE -> LoadedValue.Kind.SEQUENCE;
                case WorkerProtocol.KIND_MAP -> LoadedValue.Kind.MAP;
                case WorkerProtocol.KIND_OTHER -> LoadedValue.Kind.OTHER;
                default -> throw new Malformed("an unknown kind of value");
            };
            ValueType type = null;
            if (!typeId.isEmpty()) {
                try {
                    type = ValueType.fromId(typeId);
                } catch (IllegalArgumentException e) {
                    throw new Malformed("an unknown element type");
                }
                if (!type.isTensor() || k != LoadedValue.Kind.TENSOR) {
                    throw new Malformed("an element type on a value that is not a tensor");
                }
            }
            if (k != LoadedValue.Kind.TENSOR && rank != 0) {
                throw new Malformed("a shape on a value that is not a tensor");
            }
            values.add(new LoadedValue(name, k, type, shape, dimNames));
        }
        return values;
    }

    private static long[] readShape(DataInputStream in, int maxRank, long minDim) throws IOException, Malformed {
        int rank = in.readUnsignedByte();
        if (rank > maxRank) {
            throw new Malformed("a rank over " + maxRank);
        }
        long[] shape = new long[rank];
        for (int d = 0; d < rank; d++) {
            shape[d] = in.readLong();
            if (shape[d] < minDim) {
                throw new Malformed("a negative dimension");
            }
        }
        return shape;
    }

    /** The bytes a tensor of {@code shape} holds, refused past {@code max} or on overflow. */
    private static long byteCount(long[] shape, ElementType type, long max) throws Malformed {
        long n = type.byteSize();
        for (long d : shape) {
            if (d != 0 && n > max / d) {
                throw new Malformed("an output larger than the worker could hold");
            }
            n *= d;
        }
        if (n > max || n > Integer.MAX_VALUE - 16) {
            throw new Malformed("an output larger than the worker could hold");
        }
        return n;
    }

    private static String readString(DataInputStream in, int maxBytes) throws IOException, Malformed {
        int n = in.readUnsignedShort();
        if (n > maxBytes) {
            throw new Malformed("a string longer than " + maxBytes + " bytes");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new Malformed("a string that is not UTF-8");
        }
    }
}
