package dev.veil.spark.cli;

import dev.veil.cli.demo.Protobuf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The pieces of the small ONNX graphs the hostile-model tests build by hand (protobuf field numbers of onnx.proto). */
final class OnnxNodes {
    private OnnxNodes() {
    }

    /** A model of {@code graph}: IR version 8, opset 13 of the default domain. */
    static byte[] model(Protobuf graph) {
        return new Protobuf().varint(1, 8).string(2, "veil-test").message(7, graph)
                .message(8, new Protobuf().string(1, "").varint(2, 13)).toBytes();
    }

    static Protobuf node(String op, String output, String... inputs) {
        Protobuf n = new Protobuf();
        for (String i : inputs) {
            n.string(1, i);
        }
        return n.string(2, output).string(3, op.toLowerCase() + "_" + output).string(4, op);
    }

    /** An int64 initializer of shape [1]. */
    static Protobuf int64(String name, long v) {
        return new Protobuf().varint(1, 1).varint(2, 7).string(8, name)
                .bytes(9, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
    }

    /** A float32 graph input or output of shape [N, {@code second}] ({@code second}: a dimension message). */
    static Protobuf floats(String name, Protobuf second) {
        Protobuf shape = new Protobuf().message(1, new Protobuf().string(2, "N")).message(1, second);
        Protobuf tensorType = new Protobuf().varint(1, 1).message(2, shape);
        return new Protobuf().string(1, name).message(2, new Protobuf().message(1, tensorType));
    }

    /** A fixed dimension. */
    static Protobuf dim(long size) {
        return new Protobuf().varint(1, size);
    }

    /** A free dimension, by name. */
    static Protobuf dim(String name) {
        return new Protobuf().string(2, name);
    }
}
