package dev.veil.cli.demo;


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
        Protobuf one = new Protobuf().varint(1, 1).varint(2, INT64).string(8, "one").bytes(9, HostileOnnx.le64(1));
        Protobuf graph = new Protobuf()
                .message(1, node("ReduceMax", new String[] {"x"}, "m"))
                .message(1, node("Reshape", new String[] {"m", "one"}, "m1"))
                .message(1, node("Cast", new String[] {"m1"}, "s", new Protobuf().string(1, "to").varint(3, INT64).varint(20, 2)))
                .message(1, node("ConstantOfShape", new String[] {"s"}, "y"))
                .string(2, "rows-from-cell")
                .message(5, one)
                .message(11, floatInput("x"))
                .message(12, new Protobuf().string(1, "y").message(2, new Protobuf().message(1, new Protobuf().varint(1, FLOAT)
                        .message(2, new Protobuf().message(1, new Protobuf().string(2, "M"))))));
        return HostileOnnx.model(graph, 13);
    }

    /**
     * A model with a confidential constant used as a shape: y = Reshape(x, secret_shape) with secret_shape = [31337, 2].
     * On a dataset of fewer rows, ONNX Runtime's error names the requested shape, that is the model provider's constant.
     */
    static byte[] reshapeToAModelConstant() {
        byte[] raw = new byte[16];
        System.arraycopy(HostileOnnx.le64(31337), 0, raw, 0, 8);
        System.arraycopy(HostileOnnx.le64(2), 0, raw, 8, 8);
        Protobuf secret = new Protobuf().varint(1, 2).varint(2, INT64).string(8, "secret_shape").bytes(9, raw);
        Protobuf graph = new Protobuf()
                .message(1, node("Reshape", new String[] {"x", "secret_shape"}, "y"))
                .string(2, "reshape-to-constant")
                .message(5, secret)
                .message(11, floatInput("x"))
                .message(12, new Protobuf().string(1, "y").message(2, new Protobuf().message(1, new Protobuf().varint(1, FLOAT))));
        return HostileOnnx.model(graph, 13);
    }

    private static Protobuf node(String op, String[] inputs, String output, Protobuf... attributes) {
        Protobuf n = new Protobuf();
        for (String i : inputs) {
            n.string(1, i);
        }
        n.string(2, output).string(3, op.toLowerCase() + "_" + output).string(4, op);
        for (Protobuf a : attributes) {
            n.message(5, a);
        }
        return n;
    }

    private static Protobuf floatInput(String name) {
        Protobuf shape = new Protobuf().message(1, new Protobuf().string(2, "N")).message(1, new Protobuf().varint(1, 2));
        return new Protobuf().string(1, name).message(2, new Protobuf().message(1, new Protobuf().varint(1, FLOAT).message(2, shape)));
    }
}
