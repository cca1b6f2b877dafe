package dev.veil.protocol.contract.onnx;

import dev.veil.protocol.contract.Dim;
import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.contract.ValueSignature;
import dev.veil.protocol.contract.ValueType;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads an ONNX model's signature (its graph's inputs and outputs) from the model bytes, without ONNX Runtime: the
 * model provider's side runs it when drafting a contract, and provider code never loads the enclave's runtime.
 *
 * <p>A strict walk over just the protobuf messages that hold the signature (field numbers from onnx.proto): ModelProto
 * → GraphProto's {@code input}, {@code output} and the initializer names (a graph input that is an initializer is
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
        Field graph = null;
        for (Field f : fields(model, new Span(0, model.length))) {
            if (f.number == MODEL_GRAPH) {
                graph = once(graph, f.message(), "graph");
            }
        }
        if (graph == null) {
            throw invalid("has no graph");
        }
        Set<String> initializers = new HashSet<>();
        List<Span> inputs = new ArrayList<>();
        List<Span> outputs = new ArrayList<>();
        for (Field f : fields(model, graph.span)) {
            switch (f.number) {
                case GRAPH_INITIALIZER -> initializers.add(tensorName(model, f.message().span));
                case GRAPH_SPARSE_INITIALIZER -> initializers.add(sparseTensorName(model, f.message().span));
                case GRAPH_INPUT -> inputs.add(f.message().span);
                case GRAPH_OUTPUT -> outputs.add(f.message().span);
                default -> { }
            }
        }
        List<ValueSignature> in = new ArrayList<>();
        for (Span s : inputs) {
            ValueSignature v = value(model, s);
            if (!initializers.contains(v.name())) {
                in.add(v);
            }
        }
        List<ValueSignature> out = new ArrayList<>();
        for (Span s : outputs) {
            out.add(value(model, s));
        }
        try {
            return new ModelSignature(in, out);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("the model's " + e.getMessage());
        }
    }

    private static ValueSignature value(byte[] b, Span span) throws ProtocolException {
        Field name = null;
        Field type = null;
        for (Field f : fields(b, span)) {
            if (f.number == VALUE_NAME) {
                name = once(name, f.message(), "input or output name");
            } else if (f.number == VALUE_TYPE) {
                type = once(type, f.message(), "input or output type");
            }
        }
        if (name == null) {
            throw invalid("has a graph input or output without a name");
        }
        String n = string(b, name.span);
        if (type == null) {
            throw new ProtocolException("the model's input or output '" + printable(n) + "' declares no type");
        }
        try {
            return typed(b, n, type.span);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("the model's " + e.getMessage());
        }
    }

    private static ValueSignature typed(byte[] b, String name, Span span) throws ProtocolException {
        Field kind = null;
        for (Field f : fields(b, span)) {
            switch (f.number) {
                case TYPE_TENSOR, TYPE_SEQUENCE, TYPE_MAP, TYPE_SPARSE_TENSOR, TYPE_OPTIONAL ->
                        kind = once(kind, f.message(), "type of '" + printable(name) + "'");
                default -> { }
            }
        }
        if (kind == null) {
            throw new ProtocolException("the model's input or output '" + printable(name) + "' has a type Veil does not know");
        }
        return switch (kind.number) {
            case TYPE_SEQUENCE -> new ValueSignature(name, ValueType.SEQUENCE, null);
            case TYPE_MAP -> new ValueSignature(name, ValueType.MAP, null);
            case TYPE_TENSOR -> tensor(b, name, kind.span);
            default -> throw new ProtocolException("the model's input or output '" + printable(name) + "' is "
                    + (kind.number == TYPE_OPTIONAL ? "optional" : "a sparse tensor") + "; Veil supports tensors, sequences and maps");
        };
    }

    private static ValueSignature tensor(byte[] b, String name, Span span) throws ProtocolException {
        Field elemType = null;
        Field shape = null;
        for (Field f : fields(b, span)) {
            if (f.number == TENSOR_ELEM_TYPE) {
                elemType = once(elemType, f.varint(), "element type of '" + printable(name) + "'");
            } else if (f.number == TENSOR_SHAPE) {
                shape = once(shape, f.message(), "shape of '" + printable(name) + "'");
            }
        }
        long code = elemType == null ? 0 : elemType.value;
        ValueType type = code > 0 && code <= Integer.MAX_VALUE ? ValueType.ofOnnxElementType((int) code) : null;
        if (type == null) {
            throw new ProtocolException("the model's input or output '" + printable(name) + "' has ONNX element type "
                    + code + ", which Veil does not know");
        }
        if (shape == null) {
            return new ValueSignature(name, type, null);
        }
        List<Dim> dims = new ArrayList<>();
        for (Field f : fields(b, shape.span)) {
            if (f.number == SHAPE_DIM) {
                if (dims.size() == ValueSignature.MAX_RANK) {
                    throw new ProtocolException("the model's input or output '" + printable(name) + "' has more than "
                            + ValueSignature.MAX_RANK + " dimensions");
                }
                dims.add(dim(b, f.message().span));
            }
        }
        return new ValueSignature(name, type, dims);
    }

    private static Dim dim(byte[] b, Span span) throws ProtocolException {
        Field value = null;
        Field param = null;
        for (Field f : fields(b, span)) {
            if (f.number == DIM_VALUE) {
                value = once(value, f.varint(), "dim_value");
            } else if (f.number == DIM_PARAM) {
                param = once(param, f.message(), "dim_param");
            }
        }
        if (value != null && param != null) {
            throw invalid("has a dimension with both a size and a name");
        }
        if (value != null) {
            return Dim.fixed(value.value);
        }
        String name = param == null ? "" : string(b, param.span);
        return name.isEmpty() ? Dim.unnamed() : Dim.free(name);
    }

    private static String tensorName(byte[] b, Span span) throws ProtocolException {
        Field name = null;
        for (Field f : fields(b, span)) {
            if (f.number == TENSOR_NAME) {
                name = once(name, f.message(), "initializer name");
            }
        }
        return name == null ? "" : string(b, name.span);
    }

    private static String sparseTensorName(byte[] b, Span span) throws ProtocolException {
        Field values = null;
        for (Field f : fields(b, span)) {
            if (f.number == SPARSE_VALUES) {
                values = once(values, f.message(), "sparse initializer values");
            }
        }
        return values == null ? "" : tensorName(b, values.span);
    }

    /** A slice of the model bytes. */
    private record Span(int from, int to) {
    }

    /** One protobuf field: its number, wire type, and either its varint value or the span of its bytes. */
    private record Field(int number, int wire, long value, Span span) {
        Field message() throws ProtocolException {
            if (wire != 2) {
                throw invalid("encodes field " + number + " with wire type " + wire + " where a length-delimited one belongs");
            }
            return this;
        }

        Field varint() throws ProtocolException {
            if (wire != 0) {
                throw invalid("encodes field " + number + " with wire type " + wire + " where a varint belongs");
            }
            return this;
        }
    }

    private static Field once(Field seen, Field next, String what) throws ProtocolException {
        if (seen != null) {
            throw invalid("sets the " + what + " twice");
        }
        return next;
    }

    /** The fields of the message in {@code span}, framing checked; groups and unknown wire types refused. */
    private static List<Field> fields(byte[] b, Span span) throws ProtocolException {
        List<Field> out = new ArrayList<>();
        int[] pos = {span.from};
        while (pos[0] < span.to) {
            long tag = varint(b, pos, span.to);
            long number = tag >>> 3;
            int wire = (int) (tag & 7);
            if (number <= 0 || number > Integer.MAX_VALUE) {
                throw invalid("has a field number out of range");
            }
            switch (wire) {
                case 0 -> out.add(new Field((int) number, wire, varint(b, pos, span.to), null));
                case 1 -> out.add(new Field((int) number, wire, 0, skip(pos, 8, span.to)));
                case 5 -> out.add(new Field((int) number, wire, 0, skip(pos, 4, span.to)));
                case 2 -> {
                    long len = varint(b, pos, span.to);
                    if (len < 0 || len > span.to - pos[0]) {
                        throw invalid("has a length-delimited field running past its end");
                    }
                    out.add(new Field((int) number, wire, 0, skip(pos, (int) len, span.to)));
                }
                default -> throw invalid("uses protobuf wire type " + wire + ", which ONNX models do not");
            }
        }
        return out;
    }

    private static long varint(byte[] b, int[] pos, int to) throws ProtocolException {
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

    private static Span skip(int[] pos, int n, int to) throws ProtocolException {
        if (to - pos[0] < n) {
            throw invalid("ends inside a field");
        }
        Span s = new Span(pos[0], pos[0] + n);
        pos[0] += n;
        return s;
    }

    private static String string(byte[] b, Span span) throws ProtocolException {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b, span.from, span.to - span.from)).toString();
        } catch (CharacterCodingException e) {
            throw invalid("has a name that is not UTF-8");
        }
    }

    private static String printable(String s) {
        String p = s.replaceAll("[^\\x20-\\x7e]", "?");
        return p.length() > 60 ? p.substring(0, 60) + "..." : p;
    }

    private static ProtocolException invalid(String what) {
        return new ProtocolException("the model is not a readable ONNX model: its protobuf " + what);
    }
}
