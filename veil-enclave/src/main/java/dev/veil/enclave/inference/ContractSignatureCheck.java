package dev.veil.enclave.inference;

import dev.veil.protocol.contract.Dim;
import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.contract.ValueSignature;
import dev.veil.protocol.contract.ValueType;
import dev.veil.protocol.receipt.FailureCode;
import java.util.List;

/**
 * Refuses a model whose inputs and outputs, as ONNX Runtime loaded them, are not the signature both providers signed.
 * The data provider checked its data against the contract's signature before releasing its key; without this check a
 * model provider could sign one signature and upload a model with another. ONNX Runtime's view is the one compared,
 * because it is the one that runs: the inference worker reports it after loading ({@link LoadedValue}), and the
 * comparison is made here, in the enclave.
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

    /** Throws {@link FailureCode#MODEL_INVALID} unless the loaded inputs and outputs are exactly {@code signed}. */
    static void requireSigned(List<LoadedValue> inputs, List<LoadedValue> outputs, ModelSignature signed) throws InferenceException {
        String problem = difference("input", inputs, signed.inputs(), true);
        if (problem == null) {
            problem = difference("output", outputs, signed.outputs(), false);
        }
        if (problem != null) {
            throw new InferenceException(FailureCode.MODEL_INVALID, "the model is not the one the contract describes: "
                    + problem + "; the model provider must draft the contract from the model it uploads");
        }
    }

    /** The first way the loaded values differ from the signed ones, or null when they are the same. */
    private static String difference(String what, List<LoadedValue> values, List<ValueSignature> signed, boolean exact) {
        if (values.size() != signed.size()) {
            return "it has " + values.size() + " " + what + "s, the contract " + signed.size();
        }
        for (int i = 0; i < values.size(); i++) {
            LoadedValue v = values.get(i);
            ValueSignature s = signed.get(i);
            if (!v.name().equals(s.name()) || !sameType(v, s, exact)) {
                return what + " " + i + " is " + describe(v) + " in the model but " + s + " in the contract";
            }
        }
        return null;
    }

    private static boolean sameType(LoadedValue v, ValueSignature s, boolean exact) {
        return switch (s.type()) {
            case SEQUENCE -> v.kind() == LoadedValue.Kind.SEQUENCE;
            case MAP -> v.kind() == LoadedValue.Kind.MAP;
            default -> v.kind() == LoadedValue.Kind.TENSOR && v.elementType() == s.type() && sameShape(v, s.shape(), exact);
        };
    }

    /** With {@code exact} false, ONNX Runtime's shape may refine the signed one (a known size where it is free). */
    private static boolean sameShape(LoadedValue v, List<Dim> signed, boolean exact) {
        long[] shape = v.shape();
        if (signed == null) {
            return !exact || shape.length == 0;
        }
        if (shape.length != signed.size()) {
            return false;
        }
        List<String> names = v.dimNames();
        for (int i = 0; i < shape.length; i++) {
            Dim d = signed.get(i);
            boolean same = d instanceof Dim.Fixed f ? shape[i] == f.size()
                    : !exact || shape[i] == -1 && names.get(i).equals(((Dim.Free) d).name() == null ? "" : ((Dim.Free) d).name());
            if (!same) {
                return false;
            }
        }
        return true;
    }

    /** ONNX Runtime's view of one value, in the signature's words. */
    private static String describe(LoadedValue v) {
        String name = "'" + printable(v.name()) + "'";
        switch (v.kind()) {
            case SEQUENCE:
                return name + " sequence";
            case MAP:
                return name + " map";
            case OTHER:
                return name + " of a kind Veil does not know";
            default:
                break;
        }
        ValueType type = v.elementType();
        StringBuilder b = new StringBuilder(name).append(' ').append(type == null ? "of an element type Veil does not know" : type.id()).append(" [");
        long[] shape = v.shape();
        List<String> names = v.dimNames();
        for (int i = 0; i < shape.length; i++) {
            b.append(i > 0 ? ", " : "").append(shape[i] >= 0 ? Long.toString(shape[i]) : names.get(i).isEmpty() ? "?" : printable(names.get(i)));
        }
        return b.append(']').toString();
    }

    private static String printable(String s) {
        String p = s.replaceAll("[^\\x20-\\x7e]", "?");
        return p.length() > 60 ? p.substring(0, 60) + "..." : p;
    }
}
