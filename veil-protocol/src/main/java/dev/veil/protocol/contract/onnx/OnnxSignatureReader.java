package dev.veil.protocol.contract.onnx;

import dev.veil.protocol.contract.Dim;
import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.contract.ValueSignature;
import dev.veil.protocol.contract.ValueType;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads an ONNX model's signature (its graph's inputs and outputs) from the model bytes, without ONNX Runtime: the
 * model provider's side runs it when drafting a contract, and provider code never loads the enclave's runtime.
 *
 * <p>A walk, through the strict {@link ProtoReader} the enclave's external-data check also uses, over just the protobuf
 * messages that hold the signature (field numbers from onnx.proto): ModelProto → GraphProto's {@code input}, {@code output} and the initializer names (a graph input that is an initializer is
 * a weight, not something to feed, and ONNX Runtime does not list it either) → ValueInfoProto → TypeProto →
 * TensorShapeProto. Every other field is skipped with its framing checked. A field that protobuf would read "last one
 * wins" or merge is refused when it appears twice, so this reader never settles an ambiguity ONNX Runtime might settle
 * otherwise. The enclave compares ONNX Runtime's own view with the contract's signature anyway; this reader only has
 * to be right for honest models, and bounded for any bytes.
 */
public final class OnnxSignatureReader {
    // ModelProto
    private static final int MODEL_GRAPH = 7;
    // GraphProto
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_INPUT = 11;
    private static final int GRAPH_OUTPUT = 12;
    private static final int GRAPH_SPARSE_INITIALIZER = 15;
    // TensorProto, SparseTensorProto
    private static final int TENSOR_NAME = 8;
    private static final int SPARSE_VALUES = 1;
    // ValueInfoProto
    private static final int VALUE_NAME = 1;
    private static final int VALUE_TYPE = 2;
    // TypeProto
    private static final int TYPE_TENSOR = 1;
    private static final int TYPE_SEQUENCE = 4;
    private static final int TYPE_MAP = 5;
    private static final int TYPE_SPARSE_TENSOR = 8;
    private static final int TYPE_OPTIONAL = 9;
    // TypeProto.Tensor
    private static final int TENSOR_ELEM_TYPE = 1;
    private static final int TENSOR_SHAPE = 2;
    // TensorShapeProto, its Dimension
    private static final int SHAPE_DIM = 1;
    private static final int DIM_VALUE = 1;
    private static final int DIM_PARAM = 2;

    private static final byte[] ORT_FORMAT_IDENTIFIER = {'O', 'R', 'T', 'M'};

    private OnnxSignatureReader() {
    }

    /** What a contract says of this model: its SHA-256, the given display name and its signature. */
    public static ModelTerms modelTerms(byte[] model, String name) throws ProtocolException {
        return new ModelTerms(Digests.hex(Digests.sha256(model)), name, read(model));
    }

    /** The signature of the ONNX model in {@code model}, or one line saying why it cannot be read. */
    public static ModelSignature read(byte[] model) throws ProtocolException {
        if (model.length >= 8 && java.util.Arrays.equals(model, 4, 8, ORT_FORMAT_IDENTIFIER, 0, 4)) {
            throw new ProtocolException("the model is in ONNX Runtime's ORT format; Veil reads only ONNX protobuf models");
        }
        try {
            return signature(ProtoReader.of(model));
        } catch (MalformedProtobufException e) {
            throw invalid(e.getMessage());
        }
    }

    private static ModelSignature signature(ProtoReader model) throws ProtocolException, MalformedProtobufException {
        ProtoReader.Field graph = null;
        while (model.hasNext()) {
            ProtoReader.Field f = model.next();
            if (f.number() == MODEL_GRAPH) {
                graph = once(graph, f, "graph");
            }
        }
        if (graph == null) {
            throw invalid("has no graph");
        }
        Set<String> initializers = new HashSet<>();
        List<ProtoReader.Field> inputs = new ArrayList<>();
        List<ProtoReader.Field> outputs = new ArrayList<>();
        ProtoReader g = graph.message();
        while (g.hasNext()) {
            ProtoReader.Field f = g.next();
            switch (f.number()) {
                case GRAPH_INITIALIZER -> initializers.add(tensorName(f.message()));
                case GRAPH_SPARSE_INITIALIZER -> initializers.add(sparseTensorName(f.message()));
                case GRAPH_INPUT -> inputs.add(f);
                case GRAPH_OUTPUT -> outputs.add(f);
                default -> { }
            }
        }
        List<ValueSignature> in = new ArrayList<>();
        for (ProtoReader.Field f : inputs) {
            ValueSignature v = value(f.message());
            if (!initializers.contains(v.name())) {
                in.add(v);
            }
        }
        List<ValueSignature> out = new ArrayList<>();
        for (ProtoReader.Field f : outputs) {
            out.add(value(f.message()));
        }
        try {
            return new ModelSignature(in, out);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("the model's " + e.getMessage());
        }
    }

    private static ValueSignature value(ProtoReader valueInfo) throws ProtocolException, MalformedProtobufException {
        ProtoReader.Field name = null;
        ProtoReader.Field type = null;
        while (valueInfo.hasNext()) {
            ProtoReader.Field f = valueInfo.next();
            if (f.number() == VALUE_NAME) {
                name = once(name, f, "input or output name");
            } else if (f.number() == VALUE_TYPE) {
                type = once(type, f, "input or output type");
            }
        }
        if (name == null) {
            throw invalid("has a graph input or output without a name");
        }
        String n = name.utf8();
        if (type == null) {
            throw new ProtocolException("the model's input or output '" + printable(n) + "' declares no type");
        }
        try {
            return typed(n, type.message());
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("the model's " + e.getMessage());
        }
    }

    private static ValueSignature typed(String name, ProtoReader type) throws ProtocolException, MalformedProtobufException {
        ProtoReader.Field kind = null;
        while (type.hasNext()) {
            ProtoReader.Field f = type.next();
            switch (f.number()) {
                case TYPE_TENSOR, TYPE_SEQUENCE, TYPE_MAP, TYPE_SPARSE_TENSOR, TYPE_OPTIONAL ->
                        kind = once(kind, f, "type of '" + printable(name) + "'");
                default -> { }
            }
        }
        if (kind == null) {
            throw new ProtocolException("the model's input or output '" + printable(name) + "' has a type Veil does not know");
        }
        // Each kind is a message; reading it checks its wire type even where its content does not matter here.
        ProtoReader content = kind.message();
        return switch (kind.number()) {
            case TYPE_SEQUENCE -> new ValueSignature(name, ValueType.SEQUENCE, null);
            case TYPE_MAP -> new ValueSignature(name, ValueType.MAP, null);
            case TYPE_TENSOR -> tensor(name, content);
            default -> throw new ProtocolException("the model's input or output '" + printable(name) + "' is "
                    + (kind.number() == TYPE_OPTIONAL ? "optional" : "a sparse tensor") + "; Veil supports tensors, sequences and maps");
        };
    }

    private static ValueSignature tensor(String name, ProtoReader tensorType) throws ProtocolException, MalformedProtobufException {
        ProtoReader.Field elemType = null;
        ProtoReader.Field shape = null;
        while (tensorType.hasNext()) {
            ProtoReader.Field f = tensorType.next();
            if (f.number() == TENSOR_ELEM_TYPE) {
                elemType = once(elemType, f, "element type of '" + printable(name) + "'");
            } else if (f.number() == TENSOR_SHAPE) {
                shape = once(shape, f, "shape of '" + printable(name) + "'");
            }
        }
        // elem_type is an int32 field: ONNX Runtime reads the varint's low 32 bits, and so does this reader.
        int code = elemType == null ? 0 : elemType.int32();
        ValueType type = code > 0 ? ValueType.ofOnnxElementType(code) : null;
        if (type == null) {
            throw new ProtocolException("the model's input or output '" + printable(name) + "' has ONNX element type "
                    + code + ", which Veil does not know");
        }
        if (shape == null) {
            return new ValueSignature(name, type, null);
        }
        List<Dim> dims = new ArrayList<>();
        ProtoReader s = shape.message();
        while (s.hasNext()) {
            ProtoReader.Field f = s.next();
            if (f.number() == SHAPE_DIM) {
                if (dims.size() == ValueSignature.MAX_RANK) {
                    throw new ProtocolException("the model's input or output '" + printable(name) + "' has more than "
                            + ValueSignature.MAX_RANK + " dimensions");
                }
                dims.add(dim(f.message()));
            }
        }
        return new ValueSignature(name, type, dims);
    }

    private static Dim dim(ProtoReader dimension) throws ProtocolException, MalformedProtobufException {
        ProtoReader.Field value = null;
        ProtoReader.Field param = null;
        while (dimension.hasNext()) {
            ProtoReader.Field f = dimension.next();
            if (f.number() == DIM_VALUE) {
                value = once(value, f, "dim_value");
            } else if (f.number() == DIM_PARAM) {
                param = once(param, f, "dim_param");
            }
        }
        if (value != null && param != null) {
            throw invalid("has a dimension with both a size and a name");
        }
        if (value != null) {
            return Dim.fixed(value.varint());   // dim_value is an int64: all 64 bits
        }
        String name = param == null ? "" : param.utf8();
        return name.isEmpty() ? Dim.unnamed() : Dim.free(name);
    }

    private static String tensorName(ProtoReader tensor) throws ProtocolException, MalformedProtobufException {
        ProtoReader.Field name = null;
        while (tensor.hasNext()) {
            ProtoReader.Field f = tensor.next();
            if (f.number() == TENSOR_NAME) {
                name = once(name, f, "initializer name");
            }
        }
        return name == null ? "" : name.utf8();
    }

    private static String sparseTensorName(ProtoReader sparse) throws ProtocolException, MalformedProtobufException {
        ProtoReader.Field values = null;
        while (sparse.hasNext()) {
            ProtoReader.Field f = sparse.next();
            if (f.number() == SPARSE_VALUES) {
                values = once(values, f, "sparse initializer values");
            }
        }
        return values == null ? "" : tensorName(values.message());
    }

    /** A field that protobuf would merge or read "last one wins" when repeated: a second one is refused. */
    private static ProtoReader.Field once(ProtoReader.Field seen, ProtoReader.Field next, String what) throws ProtocolException {
        if (seen != null) {
            throw invalid("sets the " + what + " twice");
        }
        return next;
    }

    private static String printable(String s) {
        String p = s.replaceAll("[^\\x20-\\x7e]", "?");
        return p.length() > 60 ? p.substring(0, 60) + "..." : p;
    }

    private static ProtocolException invalid(String what) {
        return new ProtocolException("the model is not a readable ONNX model: its protobuf " + what);
    }
}
