package dev.veil.enclave.inference;

import dev.veil.protocol.receipt.FailureCode;

/**
 * Refuses an ONNX model whose tensors point at external data. ONNX Runtime resolves a relative external-data
 * {@code location} against the process's working directory when the model comes from memory, so such a model could
 * read the enclave's files into its weights (and so into the data provider's results). The enclave loads models only
 * from memory and never needs external data.
 *
 * <p>A strict walk over the protobuf wire format (field numbers from onnx.proto), visiting every place a TensorProto
 * can sit: graph initializers and sparse initializers, node attributes ({@code t}, {@code tensors},
 * {@code sparse_tensor(s)}) and the graphs they hold ({@code g}, {@code graphs}: the bodies of If, Loop and Scan),
 * model-local function bodies and training graphs. Malformed framing, groups and excessive nesting are refused too,
 * since a parser that gives up early could miss a tensor ONNX Runtime would still read.
 */
final class ExternalDataCheck {
    private static final int MAX_DEPTH = 64;

    // ModelProto
    private static final int MODEL_GRAPH = 7;
    private static final int MODEL_TRAINING_INFO = 20;
    private static final int MODEL_FUNCTIONS = 25;
    // TrainingInfoProto
    private static final int TRAINING_INITIALIZATION = 1;
    private static final int TRAINING_ALGORITHM = 2;
    // GraphProto
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_SPARSE_INITIALIZER = 15;
    // NodeProto
    private static final int NODE_ATTRIBUTE = 5;
    // FunctionProto
    private static final int FUNCTION_NODE = 7;
    private static final int FUNCTION_ATTRIBUTE_PROTO = 11;
    // AttributeProto
    private static final int ATTR_T = 5;
    private static final int ATTR_G = 6;
    private static final int ATTR_TENSORS = 10;
    private static final int ATTR_GRAPHS = 11;
    private static final int ATTR_SPARSE_TENSOR = 22;
    private static final int ATTR_SPARSE_TENSORS = 23;
    // SparseTensorProto
    private static final int SPARSE_VALUES = 1;
    private static final int SPARSE_INDICES = 2;
    // TensorProto
    private static final int TENSOR_EXTERNAL_DATA = 13;
    private static final int TENSOR_DATA_LOCATION = 14;

    private enum Kind { MODEL, TRAINING_INFO, GRAPH, NODE, FUNCTION, ATTRIBUTE, SPARSE_TENSOR, TENSOR }

    private ExternalDataCheck() {
    }

    /** ONNX Runtime's marker of an ORT-format (FlatBuffers) model: these 4 bytes at offset 4. */
    private static final byte[] ORT_FORMAT_IDENTIFIER = {'O', 'R', 'T', 'M'};

    /**
     * Throws unless the model is ONNX protobuf and no tensor anywhere in it refers to external data. ONNX Runtime
     * would load bytes carrying the ORT-format identifier with its FlatBuffers loader, which this walk never reasons
     * about, whatever the protobuf framing around them looks like: such bytes are refused outright.
     */
    static void refuseExternalData(byte[] model) throws InferenceException {
        if (model.length >= 8 && java.util.Arrays.equals(model, 4, 8, ORT_FORMAT_IDENTIFIER, 0, 4)) {
            throw new InferenceException(FailureCode.MODEL_INVALID, "the model is in ONNX Runtime's ORT format; Veil loads only "
                    + "ONNX protobuf models (convert it back to .onnx)");
        }
        walk(model, 0, model.length, Kind.MODEL, 0);
    }

    private static void walk(byte[] b, int from, int to, Kind kind, int depth) throws InferenceException {
        if (depth > MAX_DEPTH) {
            throw invalid("nests messages deeper than " + MAX_DEPTH + " levels");
        }
        int[] pos = {from};
        while (pos[0] < to) {
            long tag = varint(b, pos, to);
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (field <= 0 || tag >>> 3 > Integer.MAX_VALUE) {
                throw invalid("has a field number out of range");
            }
            if (kind == Kind.TENSOR && field == TENSOR_EXTERNAL_DATA) {
                throw external();
            }
            if (kind == Kind.TENSOR && field == TENSOR_DATA_LOCATION && wire != 0) {
                throw invalid("encodes a tensor's data_location with the wrong wire type");
            }
            switch (wire) {
                case 0 -> {
                    long v = varint(b, pos, to);
                    if (kind == Kind.TENSOR && field == TENSOR_DATA_LOCATION && v != 0) {
                        throw external();
                    }
                }
                case 1 -> skip(pos, 8, to);
                case 5 -> skip(pos, 4, to);
                case 2 -> {
                    long len = varint(b, pos, to);
                    if (len < 0 || len > to - pos[0]) {
                        throw invalid("has a length-delimited field running past its end");
                    }
                    int start = pos[0];
                    int end = start + (int) len;
                    Kind child = child(kind, field);
                    if (child != null) {
                        walk(b, start, end, child, depth + 1);
                    }
                    pos[0] = end;
                }
                default -> throw invalid("uses protobuf wire type " + wire + ", which ONNX models do not");
            }
        }
        if (pos[0] != to) {
            throw invalid("has a field running past its message");
        }
    }

    /** What a length-delimited field holds, when it can hold a tensor somewhere below; null for anything else. */
    private static Kind child(Kind parent, int field) {
        return switch (parent) {
            case MODEL -> field == MODEL_GRAPH ? Kind.GRAPH : field == MODEL_TRAINING_INFO ? Kind.TRAINING_INFO
                    : field == MODEL_FUNCTIONS ? Kind.FUNCTION : null;
            case TRAINING_INFO -> field == TRAINING_INITIALIZATION || field == TRAINING_ALGORITHM ? Kind.GRAPH : null;
            case GRAPH -> field == GRAPH_NODE ? Kind.NODE : field == GRAPH_INITIALIZER ? Kind.TENSOR
                    : field == GRAPH_SPARSE_INITIALIZER ? Kind.SPARSE_TENSOR : null;
            case NODE -> field == NODE_ATTRIBUTE ? Kind.ATTRIBUTE : null;
            case FUNCTION -> field == FUNCTION_NODE ? Kind.NODE : field == FUNCTION_ATTRIBUTE_PROTO ? Kind.ATTRIBUTE : null;
            case ATTRIBUTE -> field == ATTR_T || field == ATTR_TENSORS ? Kind.TENSOR : field == ATTR_G || field == ATTR_GRAPHS ? Kind.GRAPH
                    : field == ATTR_SPARSE_TENSOR || field == ATTR_SPARSE_TENSORS ? Kind.SPARSE_TENSOR : null;
            case SPARSE_TENSOR -> field == SPARSE_VALUES || field == SPARSE_INDICES ? Kind.TENSOR : null;
            case TENSOR -> null;
        };
    }

    private static long varint(byte[] b, int[] pos, int to) throws InferenceException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos[0] >= to) {
                throw invalid("ends inside a varint");
            }
            int x = b[pos[0]++];
            v |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return v;
            }
        }
        throw invalid("has a varint longer than 10 bytes");
    }

    private static void skip(int[] pos, int n, int to) throws InferenceException {
        if (to - pos[0] < n) {
            throw invalid("ends inside a fixed-width field");
        }
        pos[0] += n;
    }

    private static InferenceException external() {
        return new InferenceException(FailureCode.MODEL_INVALID, "model has a tensor with external data; the enclave "
                + "loads models from memory only: embed every tensor in the model file");
    }

    private static InferenceException invalid(String what) {
        return new InferenceException(FailureCode.MODEL_INVALID, "model is not a loadable ONNX model: its protobuf " + what);
    }
}
