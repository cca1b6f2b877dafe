package dev.veil.cli.demo;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writes the demo classifier as an ONNX model (protobuf wire format, field numbers from onnx.proto): input
 * "features" float[N, F] → MatMul W → Add b → "probabilities" = Softmax(axis 1), "label" = ArgMax(axis 1) as int64[N].
 * Only what this one graph needs; it is not a general ONNX builder.
 */
final class OnnxWriter {
    private static final int FLOAT = 1;
    private static final int INT64 = 7;

    private OnnxWriter() {
    }

    static byte[] softmaxClassifier(float[] weights, float[] bias, int features, int classes) {
        Proto graph = new Proto()
                .message(1, node("MatMul", new String[] {"features", "W"}, "logits_raw", null))
                .message(1, node("Add", new String[] {"logits_raw", "b"}, "logits", null))
                .message(1, node("Softmax", new String[] {"logits"}, "probabilities", new Proto().string(1, "axis").varint(3, 1).varint(20, 2)))
                .message(1, node("ArgMax", new String[] {"probabilities"}, "label",
                        new Proto().string(1, "axis").varint(3, 1).varint(20, 2), new Proto().string(1, "keepdims").varint(3, 0).varint(20, 2)))
                .string(2, "veil-demo-digits")
                .message(5, tensor("W", new long[] {features, classes}, weights))
                .message(5, tensor("b", new long[] {classes}, bias))
                .message(11, valueInfo("features", FLOAT, "N", features))
                .message(12, valueInfo("label", INT64, "N", -1))
                .message(12, valueInfo("probabilities", FLOAT, "N", classes));
        return new Proto()
                .varint(1, 8)                                           // ir_version
                .string(2, "veil-demo")                                 // producer_name
                .message(7, graph)
                .message(8, new Proto().string(1, "").varint(2, 13))    // opset_import: default domain, opset 13
                .bytes();
    }

    private static Proto node(String op, String[] inputs, String output, Proto... attributes) {
        Proto n = new Proto();
        for (String i : inputs) {
            n.string(1, i);
        }
        n.string(2, output).string(3, op.toLowerCase() + "_" + output).string(4, op);
        if (attributes != null) {
            for (Proto a : attributes) {
                if (a != null) {
                    n.message(5, a);
                }
            }
        }
        return n;
    }

    private static Proto tensor(String name, long[] dims, float[] values) {
        Proto t = new Proto();
        for (long d : dims) {
            t.varint(1, d);
        }
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        return t.varint(2, FLOAT).string(8, name).field(9, raw.array());
    }

    /** A [batch] or [batch, width] tensor type; width -1 means rank 1. */
    private static Proto valueInfo(String name, int elemType, String batchParam, int width) {
        Proto shape = new Proto().message(1, new Proto().string(2, batchParam));
        if (width >= 0) {
            shape.message(1, new Proto().varint(1, width));
        }
        Proto tensorType = new Proto().varint(1, elemType).message(2, shape);
        return new Proto().string(1, name).message(2, new Proto().message(1, tensorType));
    }

    /** Minimal protobuf writer: varint and length-delimited fields. */
    private static final class Proto {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto varint(int field, long value) {
            tag(field, 0);
            writeVarint(value);
            return this;
        }

        Proto string(int field, String s) {
            return field(field, s.getBytes(StandardCharsets.UTF_8));
        }

        Proto message(int field, Proto m) {
            return field(field, m.bytes());
        }

        Proto field(int field, byte[] b) {
            tag(field, 2);
            writeVarint(b.length);
            out.writeBytes(b);
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }

        private void tag(int field, int wireType) {
            writeVarint(((long) field << 3) | wireType);
        }

        private void writeVarint(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }
    }
}
