package dev.veil.enclave.inference;

import dev.veil.protocol.contract.onnx.MalformedProtobufException;
import dev.veil.protocol.contract.onnx.ProtoReader;
import dev.veil.protocol.receipt.FailureCode;

/**
 * Refuses an ONNX model whose tensors point at external data. ONNX Runtime resolves a relative external-data
 * {@code location} against the process's working directory when the model comes from memory, so such a model could
 * read the enclave's files into its weights (and so into the data provider's results). The enclave loads models only
 * from memory and never needs external data.
 *
 * <p>A walk over the protobuf wire format through {@link ProtoReader}, which refuses every encoding that ONNX Runtime's
 * protobuf parser would read differently (an over-wide field tag, field 0, groups, over-long tags and lengths,
 * excessive nesting), so the fields seen here are the fields ONNX Runtime loads. Field numbers are from onnx.proto;
 * the walk visits every place a TensorProto can sit: graph initializers and sparse initializers, node attributes
 * ({@code t}, {@code tensors}, {@code sparse_tensor(s)}) and the graphs they hold ({@code g}, {@code graphs}: the
 * bodies of If, Loop and Scan), model-local function bodies and training graphs. Malformed framing is refused too,
 * since a walk that gave up early could miss a tensor ONNX Runtime would still read.
 */
final class ExternalDataCheck {
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
        try {
            walk(ProtoReader.of(model), Kind.MODEL);
        } catch (MalformedProtobufException e) {
            throw invalid(e.getMessage());
        }
    }

    private static void walk(ProtoReader message, Kind kind) throws MalformedProtobufException, InferenceException {
        while (message.hasNext()) {
            ProtoReader.Field f = message.next();
            if (kind == Kind.TENSOR) {
                if (f.number() == TENSOR_EXTERNAL_DATA) {
                    throw external();
                }
                // data_location is an enum: ONNX Runtime reads its low 32 bits (ProtoReader.Field#int32). onnx.proto is
                // proto2, so a value other than DEFAULT (0) or EXTERNAL (1) would be kept as an unknown field; any
                // nonzero value is refused all the same, and so is a data_location not written as a varint.
                if (f.number() == TENSOR_DATA_LOCATION && f.int32() != 0) {
                    throw external();
                }
                continue;
            }
            Kind child = child(kind, f.number());
            // A known field with another wire type is an unknown field to protobuf, which never parses it as a message.
            if (child != null && f.wireType() == ProtoReader.WireType.LEN) {
                walk(f.message(), child);
            }
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

    private static InferenceException external() {
        return new InferenceException(FailureCode.MODEL_INVALID, "model has a tensor with external data; the enclave "
                + "loads models from memory only: embed every tensor in the model file");
    }

    private static InferenceException invalid(String what) {
        return new InferenceException(FailureCode.MODEL_INVALID, "model is not a loadable ONNX model: its protobuf " + what);
    }
}
