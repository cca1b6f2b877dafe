package dev.veil.cli.demo;

/** A points model for row-bound attacks: x: float32 [B, L, 3] → y = Sigmoid(x), its batch B fixed (a number) or free (a name). */
final class PointsModel {
    private PointsModel() {
    }

    /** {@code batch}: a dimension name for a free batch, or null for a batch fixed at 1. */
    static byte[] sigmoid(String batch) {
        Protobuf graph = new Protobuf()
                .message(1, new Protobuf().string(1, "x").string(2, "y").string(3, "sigmoid_y").string(4, "Sigmoid"))
                .string(2, "points")
                .message(11, value("x", batch))
                .message(12, value("y", batch));
        return new Protobuf().varint(1, 8).string(2, "veil-test").message(7, graph)
                .message(8, new Protobuf().string(1, "").varint(2, 13)).toBytes();
    }

    private static Protobuf value(String name, String batch) {
        Protobuf first = batch == null ? new Protobuf().varint(1, 1) : new Protobuf().string(2, batch);
        Protobuf shape = new Protobuf().message(1, first).message(1, new Protobuf().string(2, "L"))
                .message(1, new Protobuf().varint(1, 3));
        return new Protobuf().string(1, name).message(2, new Protobuf().message(1, new Protobuf().varint(1, 1).message(2, shape)));
    }
}
