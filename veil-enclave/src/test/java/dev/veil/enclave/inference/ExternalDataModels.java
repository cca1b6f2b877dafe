package dev.veil.enclave.inference;

/**
 * Models whose weights point at a file through ONNX external data, in every place a tensor can sit. The runnable
 * one is y = x + W with x float[N, 4] and W float[4] read from {@code location}: if ONNX Runtime reads the file, the
 * output carries its contents.
 */
final class ExternalDataModels {
    static final int FLOAT = 1;

    private ExternalDataModels() {
    }

    /** A float[4] tensor whose data is at {@code location} (relative), offset 0, 16 bytes. */
    static ProtoWriter externalTensor(String name, String location) {
        return new ProtoWriter().varint(1, 4).varint(2, FLOAT).string(8, name)
                .message(13, new ProtoWriter().string(1, "location").string(2, location))
                .message(13, new ProtoWriter().string(1, "offset").string(2, "0"))
                .message(13, new ProtoWriter().string(1, "length").string(2, "16"))
                .varint(14, 1);
    }

    /** y = Add(x, W), W an initializer with external data. Loadable by ONNX Runtime. */
    static byte[] addExternalInitializer(String location) {
        ProtoWriter graph = new ProtoWriter()
                .message(1, node("Add", new String[] {"x", "W"}, "y"))
                .string(2, "external-data-probe")
                .message(5, externalTensor("W", location))
                .message(11, valueInfo("x", 4))
                .message(12, valueInfo("y", 4));
        return model(graph);
    }

    /** The tensor sits in a Constant node's {@code value} attribute. */
    static byte[] constantNodeAttribute(String location) {
        ProtoWriter constant = node("Constant", new String[0], "W")
                .message(5, new ProtoWriter().string(1, "value").message(5, externalTensor("W", location)).varint(20, 4));
        ProtoWriter graph = new ProtoWriter().message(1, constant).message(1, node("Add", new String[] {"x", "W"}, "y"))
                .string(2, "constant-probe").message(11, valueInfo("x", 4)).message(12, valueInfo("y", 4));
        return model(graph);
    }

    /** The tensor is an initializer of an If node's then_branch subgraph. */
    static byte[] ifSubgraphInitializer(String location) {
        ProtoWriter branch = new ProtoWriter().string(2, "then").message(5, externalTensor("W", location));
        ProtoWriter ifNode = node("If", new String[] {"c"}, "y")
                .message(5, new ProtoWriter().string(1, "then_branch").message(6, branch).varint(20, 5));
        return model(new ProtoWriter().message(1, ifNode).string(2, "if-probe"));
    }

    /** The tensor is the values of a sparse initializer. */
    static byte[] sparseInitializer(String location) {
        ProtoWriter sparse = new ProtoWriter().message(1, externalTensor("W", location)).varint(3, 4);
        return model(new ProtoWriter().string(2, "sparse-probe").message(15, sparse));
    }

    /** The tensor sits in a Constant node inside a model-local function. */
    static byte[] functionBody(String location) {
        ProtoWriter constant = node("Constant", new String[0], "W")
                .message(5, new ProtoWriter().string(1, "value").message(5, externalTensor("W", location)).varint(20, 4));
        ProtoWriter function = new ProtoWriter().string(1, "leak").message(7, constant).string(10, "probe.domain");
        return new ProtoWriter().varint(1, 8).message(7, new ProtoWriter().string(2, "g"))
                .message(8, new ProtoWriter().string(1, "").varint(2, 13)).message(25, function).toBytes();
    }

    /** data_location EXTERNAL without any external_data entry. */
    static byte[] dataLocationOnly() {
        ProtoWriter t = new ProtoWriter().varint(1, 4).varint(2, FLOAT).string(8, "W").varint(14, 1);
        return model(new ProtoWriter().string(2, "location-probe").message(5, t));
    }

    static ProtoWriter node(String op, String[] inputs, String output) {
        ProtoWriter n = new ProtoWriter();
        for (String i : inputs) {
            n.string(1, i);
        }
        return n.string(2, output).string(3, op.toLowerCase() + "_" + output).string(4, op);
    }

    /** float[N, width] */
    static ProtoWriter valueInfo(String name, int width) {
        ProtoWriter shape = new ProtoWriter().message(1, new ProtoWriter().string(2, "N")).message(1, new ProtoWriter().varint(1, width));
        ProtoWriter tensorType = new ProtoWriter().varint(1, FLOAT).message(2, shape);
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
    }

    static byte[] model(ProtoWriter graph) {
        return new ProtoWriter().varint(1, 8).string(2, "veil-test").message(7, graph)
                .message(8, new ProtoWriter().string(1, "").varint(2, 13)).toBytes();
    }
}
