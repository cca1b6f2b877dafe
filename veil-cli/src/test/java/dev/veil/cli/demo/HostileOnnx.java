package dev.veil.cli.demo;


/**
 * Hostile ONNX models for tests, written as protobuf bytes (field numbers from onnx.proto). Input "x" is float[N, 2].
 */
final class HostileOnnx {
    private static final int FLOAT = 1;
    private static final int INT64 = 7;
    private static final int BOOL = 9;

    private HostileOnnx() {
    }

    /**
     * Reshape whose target shape is the input's own values: y = Reshape(x, Cast&lt;int64&gt;(Reshape(x, [-1]))). ONNX
     * Runtime's error names the requested shape, that is the data provider's cell values.
     */
    static byte[] reshapeByInputValues() {
        Protobuf minusOne = new Protobuf().varint(1, 1).varint(2, INT64).string(8, "minus_one").bytes(9, le64(-1));
        Protobuf graph = new Protobuf()
                .message(1, node("Reshape", new String[] {"x", "minus_one"}, "flat"))
                .message(1, node("Cast", new String[] {"flat"}, "shape", new Protobuf().string(1, "to").varint(3, INT64).varint(20, 2)))
                .message(1, node("Reshape", new String[] {"x", "shape"}, "y"))
                .string(2, "reshape-by-values")
                .message(5, minusOne)
                .message(11, floatInput("x", 2))
                .message(12, new Protobuf().string(1, "y").message(2, new Protobuf().message(1, new Protobuf().varint(1, FLOAT))));
        return model(graph, 13);
    }

    /** A Loop with no trip count whose condition stays true: it never ends unless ONNX Runtime is told to stop. */
    static byte[] endlessLoop() {
        Protobuf body = new Protobuf()
                .message(1, node("Identity", new String[] {"cond_in"}, "cond_out"))
                .message(1, node("Identity", new String[] {"v_in"}, "v_out"))
                .string(2, "body")
                .message(11, scalar("iter", INT64)).message(11, scalar("cond_in", BOOL))
                .message(11, new Protobuf().string(1, "v_in").message(2, new Protobuf().message(1, new Protobuf().varint(1, FLOAT))))
                .message(12, scalar("cond_out", BOOL))
                .message(12, new Protobuf().string(1, "v_out").message(2, new Protobuf().message(1, new Protobuf().varint(1, FLOAT))));
        Protobuf condTrue = new Protobuf().varint(2, BOOL).string(8, "forever").bytes(9, new byte[] {1});
        Protobuf graph = new Protobuf()
                .message(1, node("Loop", new String[] {"", "forever", "x"}, "y",
                        new Protobuf().string(1, "body").message(6, body).varint(20, 5)))
                .string(2, "endless-loop")
                .message(5, condTrue)
                .message(11, floatInput("x", 2))
                .message(12, floatInput("y", 2));
        return model(graph, 13);
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

    private static Protobuf floatInput(String name, int width) {
        Protobuf shape = new Protobuf().message(1, new Protobuf().string(2, "N")).message(1, new Protobuf().varint(1, width));
        return new Protobuf().string(1, name).message(2, new Protobuf().message(1, new Protobuf().varint(1, FLOAT).message(2, shape)));
    }

    private static Protobuf scalar(String name, int elemType) {
        return new Protobuf().string(1, name).message(2, new Protobuf().message(1, new Protobuf().varint(1, elemType).message(2, new Protobuf())));
    }

    static byte[] model(Protobuf graph, int opset) {
        return new Protobuf().varint(1, 8).string(2, "veil-hostile-test").message(7, graph)
                .message(8, new Protobuf().string(1, "").varint(2, opset)).toBytes();
    }

    static byte[] le64(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }
}
