package dev.veil.cli.demo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

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
        Protobuf graph = new Protobuf()
                .message(1, node("MatMul", new String[] {"features", "W"}, "logits_raw", null))
                .message(1, node("Add", new String[] {"logits_raw", "b"}, "logits", null))
                .message(1, node("Softmax", new String[] {"logits"}, "probabilities", new Protobuf().string(1, "axis").varint(3, 1).varint(20, 2)))
                .message(1, node("ArgMax", new String[] {"probabilities"}, "label",
                        new Protobuf().string(1, "axis").varint(3, 1).varint(20, 2), new Protobuf().string(1, "keepdims").varint(3, 0).varint(20, 2)))
                .string(2, "veil-demo-digits")
                .message(5, tensor("W", new long[] {features, classes}, weights))
                .message(5, tensor("b", new long[] {classes}, bias))
                .message(11, valueInfo("features", FLOAT, "N", features))
                .message(12, valueInfo("label", INT64, "N", -1))
                .message(12, valueInfo("probabilities", FLOAT, "N", classes));
        return new Protobuf()
                .varint(1, 8)                                           // ir_version
                .string(2, "veil-demo")                                 // producer_name
                .message(7, graph)
                .message(8, new Protobuf().string(1, "").varint(2, 13))    // opset_import: default domain, opset 13
                .toBytes();
    }

    private static Protobuf node(String op, String[] inputs, String output, Protobuf... attributes) {
        Protobuf n = new Protobuf();
        for (String i : inputs) {
            n.string(1, i);
        }
        n.string(2, output).string(3, op.toLowerCase() + "_" + output).string(4, op);
        if (attributes != null) {
            for (Protobuf a : attributes) {
                if (a != null) {
                    n.message(5, a);
                }
            }
        }
        return n;
    }

    private static Protobuf tensor(String name, long[] dims, float[] values) {
        Protobuf t = new Protobuf();
        for (long d : dims) {
            t.varint(1, d);
        }
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        return t.varint(2, FLOAT).string(8, name).bytes(9, raw.array());
    }

    /** A [batch] or [batch, width] tensor type; width -1 means rank 1. */
    private static Protobuf valueInfo(String name, int elemType, String batchParam, int width) {
        Protobuf shape = new Protobuf().message(1, new Protobuf().string(2, batchParam));
        if (width >= 0) {
            shape.message(1, new Protobuf().varint(1, width));
        }
        Protobuf tensorType = new Protobuf().varint(1, elemType).message(2, shape);
        return new Protobuf().string(1, name).message(2, new Protobuf().message(1, tensorType));
    }
}
