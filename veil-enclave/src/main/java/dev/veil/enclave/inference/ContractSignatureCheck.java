package dev.veil.enclave.inference;

import ai.onnxruntime.MapInfo;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.SequenceInfo;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import dev.veil.protocol.contract.Dim;
import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.contract.ValueSignature;
import dev.veil.protocol.contract.ValueType;
import dev.veil.protocol.receipt.FailureCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Refuses a model whose inputs and outputs, as ONNX Runtime loaded them, are not the signature both providers signed.
 * The data provider checked its data against the contract's signature before releasing its key; without this check a
 * model provider could sign one signature and upload a model with another. ONNX Runtime's view is the one compared,
 * because it is the one that runs.
 *
 * <p>Inputs must be exactly the signed ones: names, order, element types, ranks, fixed sizes and the names of free
 * dimensions (ONNX Runtime reports a graph input as the model declares it). Outputs must have the signed names, order,
 * element types and fixed sizes, but ONNX Runtime may know more of an output's shape than the model declares: its
 * shape inference fills in an undeclared shape and can fix a declared free dimension (a hostile test model declares
 * no shape and ONNX Runtime reports [31337, 2]). So a signed free output dimension accepts any size, and a signed
 * output of unstated rank any shape. ONNX Runtime reports an input of unstated rank as rank 0, so a signed input of
 * unstated rank matches only that.
 */
final class ContractSignatureCheck {
    private ContractSignatureCheck() {
    }

    /**
     * Throws {@link FailureCode#MODEL_INVALID} unless {@code session}'s inputs and outputs are exactly {@code signed};
     * {@code release} is run first, so the caller's native resources are freed on refusal.
     */
    static void requireSigned(OrtSession session, ModelSignature signed, Runnable release) throws InferenceException {
        String problem;
        try {
            problem = difference("input", session.getInputInfo(), signed.inputs(), true);
            if (problem == null) {
                problem = difference("output", session.getOutputInfo(), signed.outputs(), false);
            }
        } catch (OrtException e) {
            release.run();
            throw new InferenceException(FailureCode.MODEL_INVALID, "model metadata cannot be read by ONNX Runtime", e);
        }
        if (problem != null) {
            release.run();
            throw new InferenceException(FailureCode.MODEL_INVALID, "the model is not the one the contract describes: "
                    + problem + "; the model provider must draft the contract from the model it uploads");
        }
    }

    /** The first way the loaded values differ from the signed ones, or null when they are the same. */
    private static String difference(String what, Map<String, NodeInfo> loaded, List<ValueSignature> signed, boolean exact) {
        List<NodeInfo> values = new ArrayList<>(loaded.values());
        if (values.size() != signed.size()) {
            return "it has " + values.size() + " " + what + "s, the contract " + signed.size();
        }
        for (int i = 0; i < values.size(); i++) {
            NodeInfo v = values.get(i);
            ValueSignature s = signed.get(i);
            if (!v.getName().equals(s.name()) || !sameType(v.getInfo(), s, exact)) {
                return what + " " + i + " is " + describe(v) + " in the model but " + s + " in the contract";
            }
        }
        return null;
    }

    private static boolean sameType(ValueInfo info, ValueSignature s, boolean exact) {
        return switch (s.type()) {
            case SEQUENCE -> info instanceof SequenceInfo;
            case MAP -> info instanceof MapInfo;
            default -> info instanceof TensorInfo t && elementType(t) == s.type() && sameShape(t, s.shape(), exact);
        };
    }

    /** With {@code exact} false, ONNX Runtime's shape may refine the signed one (a known size where it is free). */
    private static boolean sameShape(TensorInfo t, List<Dim> signed, boolean exact) {
        long[] shape = t.getShape();
        if (signed == null) {
            return !exact || shape.length == 0;
        }
        if (shape.length != signed.size()) {
            return false;
        }
        String[] names = t.getDimensionNames();
        for (int i = 0; i < shape.length; i++) {
            Dim d = signed.get(i);
            boolean same = d instanceof Dim.Fixed f ? shape[i] == f.size()
                    : !exact || shape[i] == -1 && names[i].equals(((Dim.Free) d).name() == null ? "" : ((Dim.Free) d).name());
            if (!same) {
                return false;
            }
        }
        return true;
    }

    /**
     * The element type by its name: ONNX Runtime for Java numbers its {@code OnnxTensorType} constants its own way
     * ({@code value} 10 is float), not by ONNX's codes, so the numbers are never compared.
     */
    private static ValueType elementType(TensorInfo t) {
        String prefix = "ONNX_TENSOR_ELEMENT_DATA_TYPE_";
        String name = t.onnxType.name();
        if (!name.startsWith(prefix)) {
            return null;
        }
        return switch (name.substring(prefix.length())) {
            case "FLOAT" -> ValueType.FLOAT32;
            case "DOUBLE" -> ValueType.FLOAT64;
            case "UNDEFINED", "SEQUENCE", "MAP" -> null;
            default -> {
                try {
                    ValueType v = ValueType.valueOf(name.substring(prefix.length()));
                    yield v.isTensor() ? v : null;
                } catch (IllegalArgumentException e) {
                    yield null;
                }
            }
        };
    }

    /** ONNX Runtime's view of one value, in the signature's words. */
    private static String describe(NodeInfo v) {
        String name = "'" + printable(v.getName()) + "'";
        if (v.getInfo() instanceof SequenceInfo) {
            return name + " sequence";
        }
        if (v.getInfo() instanceof MapInfo) {
            return name + " map";
        }
        if (!(v.getInfo() instanceof TensorInfo t)) {
            return name + " of a kind Veil does not know";
        }
        ValueType type = elementType(t);
        StringBuilder b = new StringBuilder(name).append(' ').append(type == null ? "of an element type Veil does not know" : type.id()).append(" [");
        long[] shape = t.getShape();
        String[] names = t.getDimensionNames();
        for (int i = 0; i < shape.length; i++) {
            b.append(i > 0 ? ", " : "").append(shape[i] >= 0 ? Long.toString(shape[i]) : names[i].isEmpty() ? "?" : printable(names[i]));
        }
        return b.append(']').toString();
    }

    private static String printable(String s) {
        String p = s.replaceAll("[^\\x20-\\x7e]", "?");
        return p.length() > 60 ? p.substring(0, 60) + "..." : p;
    }
}
