package dev.veil.enclave.inference;

import dev.veil.protocol.contract.DatasetFit;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.tensor.ElementType;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.Npy;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Applies the contract's output policy to raw model outputs, batch by batch, writing the encoded output to a sink as
 * it goes (memory is one batch, whatever the dataset). {@code labels}: the model's int64 output if it has one,
 * otherwise the argmax of its first float output, as CSV. {@code top_k}: the k highest scores of the first float
 * output as "class:score" CSV. {@code scores}: the first output tensor as .npy, whose header ({@link Encoded#prefix()})
 * is known only once the last batch is in: the output is the prefix followed by what was written to the sink.
 *
 * <p>{@code labels} and {@code top_k} give exactly one line per input row of every batch (a model that gives another
 * count is refused: a hostile model could choose it from the data), and {@link Encoded#paddedLength()} is the longest
 * text that many rows could take, the row count first rounded up to a power of two: the sealed results' size depends
 * only on the output policy and the power-of-two bucket of the input's row count (which the host can estimate from
 * the upload's size anyway). {@code scores} is the model's own tensor, whose shape the model decides: its size is not
 * padded (docs/THREAT-MODEL.md).
 *
 * <p>The sink is the enclave's encrypted spool, whose size the host watches grow. So that it learns no more there than
 * from the sealed results, {@code labels} and {@code top_k} text is written as one record per batch, padded to what
 * a full batch of the longest lines would take: {@code text length (u32 BE) | text | zero padding}. The spool's size
 * then tells only how many batches there were; {@link Encoded#output} turns the records back into the text.
 */
public final class OutputEncoder {
    /** The longest label line: a signed 64-bit integer and a newline. */
    static final int LABEL_LINE_BYTES = 20 + 1;
    /** The longest top_k entry: a class index (int), ':', a float as Float.toString writes it (at most 15), ',' or newline. */
    static final int TOP_K_ENTRY_BYTES = 10 + 1 + 15 + 1;
    /** Sealed results carry the output's length as a 32-bit count; beyond this the output cannot be sealed. */
    static final long MAX_OUTPUT_BYTES = Integer.MAX_VALUE - 64;

    /**
     * The whole output: {@code prefix} then the {@code bodyLength} bytes of text that the sink's content stands for;
     * its row count and padded length.
     */
    public record Encoded(byte[] prefix, long bodyLength, long rows, int paddedLength, int recordBytes) {
        public int length() {
            return (int) (prefix.length + bodyLength);
        }

        /** The output, read from what was written to the sink ({@code sink}: its plaintext, read from the start). */
        public InputStream output(InputStream sink) {
            return new SequenceInputStream(new ByteArrayInputStream(prefix), recordBytes > 0 ? new BatchRecordText(sink, recordBytes) : sink);
        }
    }

    private final OutputPolicy policy;
    private final OutputStream sink;
    /** labels and top_k: the size of every batch record in the sink (0 for scores, written as they are). */
    private final int recordBytes;
    private long rows;
    private long bodyLength;
    /** scores: the shape of one output row, fixed by the first batch. */
    private long[] scoreRowShape;

    private OutputEncoder(OutputPolicy policy, OutputStream sink, int recordBytes) {
        this.policy = policy;
        this.sink = sink;
        this.recordBytes = recordBytes;
    }

    /** @param batchRows the most input rows a batch holds: labels and top_k records are sized for it */
    public static OutputEncoder forPolicy(OutputPolicy policy, OutputStream sink, int batchRows) throws InferenceException {
        return switch (policy.kind()) {
            case OutputPolicy.LABELS -> new OutputEncoder(policy, sink, record(batchRows, LABEL_LINE_BYTES));
            case OutputPolicy.TOP_K -> new OutputEncoder(policy, sink, record(batchRows, (long) policy.k() * TOP_K_ENTRY_BYTES));
            case OutputPolicy.SCORES -> new OutputEncoder(policy, sink, 0);
            case OutputPolicy.NPZ -> throw new InferenceException(FailureCode.DATASET_INVALID, DatasetFit.outputProblem(policy, false));
            default -> throw new InferenceException(FailureCode.INFERENCE_FAILED, "unknown output policy " + policy.kind());
        };
    }

    private static int record(int batchRows, long perRow) throws InferenceException {
        long n = Integer.BYTES + (long) batchRows * perRow;
        if (batchRows < 1 || n > MAX_OUTPUT_BYTES) {
            throw new InferenceException(FailureCode.INTERNAL_ERROR, "batch of " + batchRows + " rows cannot be encoded");
        }
        return (int) n;
    }

    /**
     * The one output this policy encodes, as a position in {@code rowOutputs} (the element types of the outputs a run of
     * rows gives, float32 or int64, in the model's order), chosen as {@link #accept} chooses among them all: the first
     * int64 output for {@code labels} (else the first float32), the first float32 for {@code top_k} and {@code scores}
     * (else, for {@code scores}, the first output). {@link RowModel#EVERY_OUTPUT} when there is none to choose, so that
     * the encoder sees them all and says why none fits.
     */
    public int encodedOutput(List<ElementType> rowOutputs) {
        int int64 = rowOutputs.indexOf(ElementType.INT64);
        int float32 = rowOutputs.indexOf(ElementType.FLOAT32);
        int chosen = switch (policy.kind()) {
            case OutputPolicy.LABELS -> int64 >= 0 ? int64 : float32;
            case OutputPolicy.SCORES -> float32 >= 0 ? float32 : rowOutputs.isEmpty() ? -1 : 0;
            default -> float32;
        };
        return chosen >= 0 ? chosen : RowModel.EVERY_OUTPUT;
    }

    /** Encodes one batch's outputs, the model's answer to {@code inputRows} input rows. */
    public void accept(ModelRunner.BatchOutput batch, int inputRows) throws InferenceException, IOException {
        byte[] encoded = switch (policy.kind()) {
            case OutputPolicy.LABELS -> labels(batch);
            case OutputPolicy.TOP_K -> topK(batch, policy.k());
            default -> scores(batch);
        };
        try {
            long lines = policy.kind().equals(OutputPolicy.SCORES) ? 0 : countLines(encoded);
            if (!policy.kind().equals(OutputPolicy.SCORES) && lines != inputRows) {
                throw new InferenceException(FailureCode.INFERENCE_FAILED, "the model gave " + lines + " " + policy.kind()
                        + " lines for a batch of " + inputRows + " input rows; " + policy.kind() + " needs one per row");
            }
            if (bodyLength + encoded.length > MAX_OUTPUT_BYTES) {
                throw new InferenceException(FailureCode.LIMIT_EXCEEDED, "the output is too large to seal (over "
                        + MAX_OUTPUT_BYTES + " bytes); split the dataset");
            }
            if (recordBytes > 0) {
                writeRecord(encoded);
            } else {
                sink.write(encoded);
            }
            bodyLength += encoded.length;
            rows += lines;
        } finally {
            Arrays.fill(encoded, (byte) 0);
        }
    }

    private void writeRecord(byte[] text) throws IOException, InferenceException {
        if (Integer.BYTES + text.length > recordBytes) {
            throw new InferenceException(FailureCode.INTERNAL_ERROR, "a batch's text is longer than its record");
        }
        sink.write(ByteBuffer.allocate(Integer.BYTES).putInt(text.length).array());
        sink.write(text);
        sink.write(new byte[recordBytes - Integer.BYTES - text.length]);
    }

    /** The output's prefix, length, row count and padded length, once every batch is in. */
    public Encoded finish() throws InferenceException {
        if (policy.kind().equals(OutputPolicy.SCORES)) {
            if (scoreRowShape == null) {
                throw new InferenceException(FailureCode.INFERENCE_FAILED, "the model gave no output");
            }
            long[] shape = new long[scoreRowShape.length + 1];
            shape[0] = rows;
            System.arraycopy(scoreRowShape, 0, shape, 1, scoreRowShape.length);
            byte[] header = Npy.float32Header(shape);
            if (header.length + bodyLength > MAX_OUTPUT_BYTES) {
                throw new InferenceException(FailureCode.LIMIT_EXCEEDED, "the output is too large to seal; split the dataset");
            }
            return new Encoded(header, bodyLength, rows, (int) (header.length + bodyLength), 0);
        }
        long perRow = policy.kind().equals(OutputPolicy.LABELS) ? LABEL_LINE_BYTES : (long) policy.k() * TOP_K_ENTRY_BYTES;
        int padded = padded(rows, perRow);
        if (bodyLength > padded) {
            throw new InferenceException(FailureCode.INTERNAL_ERROR, "encoded output is longer than its padded length");
        }
        return new Encoded(new byte[0], bodyLength, rows, padded, recordBytes);
    }

    private static long countLines(byte[] text) {
        long n = 0;
        for (byte b : text) {
            n += b == '\n' ? 1 : 0;
        }
        return n;
    }

    private static int padded(long rows, long bytesPerRow) throws InferenceException {
        long bucket = rows <= 1 ? 1 : Long.highestOneBit(rows - 1) << 1;
        long n = bucket > Integer.MAX_VALUE ? Long.MAX_VALUE : bucket * bytesPerRow;
        if (n > MAX_OUTPUT_BYTES) {
            throw new InferenceException(FailureCode.LIMIT_EXCEEDED, "the output is too large to seal; split the dataset");
        }
        return (int) n;
    }

    private static byte[] labels(ModelRunner.BatchOutput b) throws InferenceException {
        StringBuilder sb = new StringBuilder();
        int intOutput = firstInt64(b);
        if (intOutput >= 0) {
            FloatTensor t = b.floats().get(intOutput);
            if (t.shape().length > 2 || (t.shape().length == 2 && t.shape()[1] != 1)) {
                throw new InferenceException(FailureCode.INFERENCE_FAILED, "model's int64 output '" + b.names().get(intOutput)
                        + "' has shape " + Arrays.toString(t.shape()) + "; labels need one value per row");
            }
            for (long v : b.int64s().get(intOutput)) {
                sb.append(v).append('\n');
            }
        } else {
            FloatTensor scores = scoresOf(b);
            int classes = scores.rowSize();
            float[] v = scores.values();
            for (int r = 0; r < scores.rows(); r++) {
                int best = 0;
                for (int c = 1; c < classes; c++) {
                    if (v[r * classes + c] > v[r * classes + best]) {
                        best = c;
                    }
                }
                sb.append(best).append('\n');
            }
        }
        return ascii(sb);
    }

    private static byte[] topK(ModelRunner.BatchOutput b, int k) throws InferenceException {
        StringBuilder sb = new StringBuilder();
        FloatTensor scores = scoresOf(b);
        int classes = scores.rowSize();
        float[] v = scores.values();
        Integer[] idx = new Integer[classes];
        for (int r = 0; r < scores.rows(); r++) {
            final int row = r;
            for (int c = 0; c < classes; c++) {
                idx[c] = c;
            }
            Arrays.sort(idx, (a, c) -> Float.compare(v[row * classes + c], v[row * classes + a]));
            for (int j = 0; j < Math.min(k, classes); j++) {
                sb.append(j > 0 ? "," : "").append(idx[j]).append(':').append(v[row * classes + idx[j]]);
            }
            sb.append('\n');
        }
        return ascii(sb);
    }

    private byte[] scores(ModelRunner.BatchOutput b) throws InferenceException {
        FloatTensor t = primary(b);
        long[] shape = t.shape();
        long[] rowShape = Arrays.copyOfRange(shape, 1, shape.length);
        if (scoreRowShape == null) {
            scoreRowShape = rowShape;
        } else if (!Arrays.equals(scoreRowShape, rowShape)) {
            throw new InferenceException(FailureCode.INFERENCE_FAILED, "the model's output rows change shape between batches ("
                    + Arrays.toString(scoreRowShape) + " then " + Arrays.toString(rowShape) + "); scores need one shape");
        }
        rows += shape[0];
        ByteBuffer data = ByteBuffer.allocate(Math.multiplyExact(t.values().length, Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
        data.asFloatBuffer().put(t.values());
        return data.array();
    }

    private static byte[] ascii(StringBuilder sb) {
        byte[] out = sb.toString().getBytes(StandardCharsets.US_ASCII);
        sb.setLength(0);
        return out;
    }

    /** The first float output, or the first output if all are int64. */
    private static FloatTensor primary(ModelRunner.BatchOutput b) {
        for (int i = 0; i < b.floats().size(); i++) {
            if (b.int64s().get(i) == null) {
                return b.floats().get(i);
            }
        }
        return b.floats().get(0);
    }

    private static FloatTensor scoresOf(ModelRunner.BatchOutput b) throws InferenceException {
        for (int i = 0; i < b.floats().size(); i++) {
            if (b.int64s().get(i) == null) {
                FloatTensor t = b.floats().get(i);
                if (t.shape().length != 2) {
                    throw new InferenceException(FailureCode.INFERENCE_FAILED, "model output '" + b.names().get(i) + "' has shape "
                            + Arrays.toString(t.shape())
                            + "; labels and top_k need a [rows, classes] score output (use output kind 'scores' instead)");
                }
                return t;
            }
        }
        throw new InferenceException(FailureCode.INFERENCE_FAILED, "model has no float score output to rank");
    }

    private static int firstInt64(ModelRunner.BatchOutput b) {
        for (int i = 0; i < b.int64s().size(); i++) {
            if (b.int64s().get(i) != null) {
                return i;
            }
        }
        return -1;
    }
}
