package dev.veil.enclave.inference;

/**
 * Tiny ONNX models of named inputs and outputs of every element type Veil feeds, built in the test (opset 13). A
 * dimension is an Integer (fixed) or a String (a named free dimension).
 */
final class TypedModels {
    static final int FLOAT = 1;
    static final int UINT8 = 2;
    static final int INT8 = 3;
    static final int INT32 = 6;
    static final int INT64 = 7;
    static final int BOOL = 9;
    static final int FLOAT16 = 10;
    static final int DOUBLE = 11;

    private TypedModels() {
    }

    /** x: T [N, 3] → y: T = Identity(x), z: float32 [N, 3] = Cast(x): the bytes pass through, and are computed on. */
    static byte[] identityAndCast(int type) {
        ProtoWriter graph = new ProtoWriter()
                .message(1, node("Identity", "y", "x"))
                .message(1, cast("x", "z", FLOAT))
                .string(2, "identity-and-cast")
                .message(11, value("x", type, "N", 3))
                .message(12, value("y", type, "N", 3))
                .message(12, value("z", FLOAT, "N", 3));
        return ExternalDataModels.model(graph);
    }

    /** a: float32 [N, L], b: int64 [N, L] → y: float32 [N, L] = a + float(b), c: int64 [N, L] = b. */
    static byte[] twoInputs() {
        ProtoWriter graph = new ProtoWriter()
                .message(1, cast("b", "bf", FLOAT))
                .message(1, node("Add", "y", "a", "bf"))
                .message(1, node("Identity", "c", "b"))
                .string(2, "two-inputs")
                .message(11, value("a", FLOAT, "N", "L"))
                .message(11, value("b", INT64, "N", "L"))
                .message(12, value("y", FLOAT, "N", "L"))
                .message(12, value("c", INT64, "N", "L"));
        return ExternalDataModels.model(graph);
    }

    /** a: float32 [N, M], b: float32 [N, K] → y = a + b: ONNX Runtime fails when M and K differ and neither is 1. */
    static byte[] addOfUnrelatedWidths() {
        ProtoWriter graph = new ProtoWriter()
                .message(1, node("Add", "y", "a", "b"))
                .string(2, "unrelated-widths")
                .message(11, value("a", FLOAT, "N", "M"))
                .message(11, value("b", FLOAT, "N", "K"))
                .message(12, value("y", FLOAT, "N", "W"));
        return ExternalDataModels.model(graph);
    }

    /** a: float32 [N, L], b: int64 [N, L] → y: float32 scalar = ReduceSum(a): an output without a row per input row. */
    static byte[] sumOfEverything() {
        ProtoWriter graph = new ProtoWriter()
                .message(1, node("ReduceSum", "y", "a").message(5, new ProtoWriter().string(1, "keepdims").varint(3, 0).varint(20, 2)))
                .message(1, node("Identity", "c", "b"))
                .string(2, "sum-of-everything")
                .message(11, value("a", FLOAT, "N", "L"))
                .message(11, value("b", INT64, "N", "L"))
                .message(12, value("y", FLOAT))
                .message(12, value("c", INT64, "N", "L"));
        return ExternalDataModels.model(graph);
    }

    /** x: float32 [N, 3] → y = Loop(no trip count, condition always true, x): it never ends unless terminated. */
    static byte[] endlessLoop() {
        ProtoWriter body = new ProtoWriter()
                .message(1, node("Identity", "cond_out", "cond_in"))
                .message(1, node("Identity", "v_out", "v_in"))
                .string(2, "body")
                .message(11, value("iter", INT64)).message(11, value("cond_in", BOOL)).message(11, value("v_in", FLOAT, "N", 3))
                .message(12, value("cond_out", BOOL)).message(12, value("v_out", FLOAT, "N", 3));
        ProtoWriter forever = new ProtoWriter().varint(2, BOOL).string(8, "forever").bytes(9, new byte[] {1});
        ProtoWriter graph = new ProtoWriter()
                .message(1, ExternalDataModels.node("Loop", new String[] {"", "forever", "x"}, "y")
                        .message(5, new ProtoWriter().string(1, "body").message(6, body).varint(20, 5)))
                .string(2, "endless-loop")
                .message(5, forever)
                .message(11, value("x", FLOAT, "N", 3))
                .message(12, value("y", FLOAT, "N", 3));
        return ExternalDataModels.model(graph);
    }

    /**
     * x: float32 [N, 3] → y: float32 [N, 3] = Identity(x), c: int64 [N] = ArgMax(x, axis 1): scores and their labels,
     * as a classifier gives them.
     */
    static byte[] scoresAndLabels() {
        ProtoWriter graph = new ProtoWriter()
                .message(1, node("Identity", "y", "x"))
                .message(1, node("ArgMax", "c", "x")
                        .message(5, new ProtoWriter().string(1, "axis").varint(3, 1).varint(20, 2))
                        .message(5, new ProtoWriter().string(1, "keepdims").varint(3, 0).varint(20, 2)))
                .string(2, "scores-and-labels")
                .message(11, value("x", FLOAT, "N", 3))
                .message(12, value("y", FLOAT, "N", 3))
                .message(12, value("c", INT64, "N"));
        return ExternalDataModels.model(graph);
    }

    static ProtoWriter node(String op, String output, String... inputs) {
        return ExternalDataModels.node(op, inputs, output);
    }

    static ProtoWriter cast(String input, String output, int to) {
        return node("Cast", output, input)
                .message(5, new ProtoWriter().string(1, "to").varint(3, to).varint(20, 2));
    }

    static ProtoWriter value(String name, int type, Object... dims) {
        ProtoWriter shape = new ProtoWriter();
        for (Object d : dims) {
            shape.message(1, d instanceof String s ? new ProtoWriter().string(2, s) : new ProtoWriter().varint(1, (Integer) d));
        }
        ProtoWriter tensorType = new ProtoWriter().varint(1, type).message(2, shape);
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
    }
}
