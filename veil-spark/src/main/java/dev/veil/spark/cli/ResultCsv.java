package dev.veil.spark.cli;

import dev.veil.tensor.ElementType;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Results as CSV: a header of column names ({@code output}, or {@code output[i]} for each value of a row of it), then
 * one line per input row with every output's values in order. Floats print as Java's shortest exact decimal.
 */
final class ResultCsv {
    private ResultCsv() {
    }

    static byte[] write(NamedTensors outputs) throws UsageError {
        StringBuilder sb = new StringBuilder();
        long rows = -1;
        for (Tensor t : outputs.tensors()) {
            if (t.type() != ElementType.FLOAT32 && t.type() != ElementType.INT64) {
                throw new UsageError("output '" + Tensor.printable(t.name()) + "' is " + t.type().id() + "; CSV holds float32 and"
                        + " int64 outputs: give --out results.npz");
            }
            long perRow = t.elementCount() / Math.max(1, t.dim(0));
            for (long i = 0; i < perRow; i++) {
                sb.append(sb.isEmpty() ? "" : ",").append(perRow == 1 ? t.name() : t.name() + "[" + i + "]");
            }
            rows = t.dim(0);
        }
        sb.append('\n');
        for (long r = 0; r < rows; r++) {
            boolean first = true;
            for (Tensor t : outputs.tensors()) {
                long perRow = t.elementCount() / t.dim(0);
                ByteBuffer b = ByteBuffer.wrap(t.data()).order(ByteOrder.LITTLE_ENDIAN);
                for (long i = 0; i < perRow; i++) {
                    int at = (int) ((r * perRow + i) * t.type().byteSize());
                    sb.append(first ? "" : ",").append(t.type() == ElementType.FLOAT32 ? Float.toString(b.getFloat(at))
                            : Long.toString(b.getLong(at)));
                    first = false;
                }
            }
            sb.append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
