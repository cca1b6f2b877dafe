package dev.veil.cli.demo;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * More hostile ONNX models for the runtime review, written as protobuf bytes (field numbers from onnx.proto).
 * Input "x" is float[N, 2].
 */
final class RuntimeHostileOnnx {
    private static final int FLOAT = 1;
    private static final int INT64 = 7;

    private RuntimeHostileOnnx() {
    }

    /**
     * An output whose length is a cell value: y = ConstantOfShape(Cast&lt;int64&gt;(Reshape(ReduceMax(x), [1]))). The
     * output has as many rows as the largest value in the data provider's data.
     */
    static byte[] rowCountFromLargestCell() {
        Proto one = new Proto().varint(1, 1).varint(2, INT64).string(8, "one").bytes(9, le64(1));
        Proto graph = new Proto()
                .message(1, node("ReduceMax", new String[] {"x"}, "m"))
                .message(1, node("Reshape", new String[] {"m", "one"}, "m1"))
                .message(1, node("Cast", new String[] {"m1"}, "s", new Proto().string(1, "to").varint(3, INT64).varint(20, 2)))
                .message(1, node("ConstantOfShape", new String[] {"s"}, "y"))
                .string(2, "rows-from-cell")
                .message(5, one)
                .message(11, floatInput("x"))
                .message(12, new Proto().string(1, "y").message(2, new Proto().message(1, new Proto().varint(1, FLOAT)
                        .message(2, new Proto().message(1, new Proto().string(2, "M"))))));
        return model(graph, 13);
    }

    /**
     * A model with a confidential constant used as a shape: y = Reshape(x, secret_shape) with secret_shape = [31337, 2].
     * On a dataset of fewer rows, ONNX Runtime's error names the requested shape, that is the model provider's constant.
     */
    static byte[] reshapeToAModelConstant() {
        byte[] raw = new byte[16];
        System.arraycopy(le64(31337), 0, raw, 0, 8);
        System.arraycopy(le64(2), 0, raw, 8, 8);
        Proto secret = new Proto().varint(1, 2).varint(2, INT64).string(8, "secret_shape").bytes(9, raw);
        Proto graph = new Proto()
                .message(1, node("Reshape", new String[] {"x", "secret_shape"}, "y"))
                .string(2, "reshape-to-constant")
                .message(5, secret)
                .message(11, floatInput("x"))
                .message(12, new Proto().string(1, "y").message(2, new Proto().message(1, new Proto().varint(1, FLOAT))));
        return model(graph, 13);
    }

    private static Proto node(String op, String[] inputs, String output, Proto... attributes) {
        Proto n = new Proto();
        for (String i : inputs) {
            n.string(1, i);
        }
        n.string(2, output).string(3, op.toLowerCase() + "_" + output).string(4, op);
        for (Proto a : attributes) {
            n.message(5, a);
        }
        return n;
    }

    private static Proto floatInput(String name) {
        Proto shape = new Proto().message(1, new Proto().string(2, "N")).message(1, new Proto().varint(1, 2));
        return new Proto().string(1, name).message(2, new Proto().message(1, new Proto().varint(1, FLOAT).message(2, shape)));
    }

    private static byte[] model(Proto graph, int opset) {
        return new Proto().varint(1, 8).string(2, "veil-hostile-test").message(7, graph)
                .message(8, new Proto().string(1, "").varint(2, opset)).toBytes();
    }

    private static byte[] le64(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
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
            return bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        Proto message(int field, Proto m) {
            return bytes(field, m.toBytes());
        }

        Proto bytes(int field, byte[] b) {
            tag(field, 2);
            writeVarint(b.length);
            out.writeBytes(b);
            return this;
        }

        byte[] toBytes() {
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
