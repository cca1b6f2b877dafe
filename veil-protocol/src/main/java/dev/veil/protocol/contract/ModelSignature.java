package dev.veil.protocol.contract;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The model's inputs and outputs as both providers sign them, in the model's own order (the order ONNX Runtime lists
 * them in; Veil's {@code scores} output is the first output tensor). The model provider derives it from the model
 * (docs/PROTOCOL.md); the data provider checks its data against it before releasing a key; the enclave refuses a
 * model whose inputs and outputs, as ONNX Runtime loads them, are not exactly these.
 */
public record ModelSignature(List<ValueSignature> inputs, List<ValueSignature> outputs) {
    /** Bounds a document the other provider wrote; real models have a handful. */
    public static final int MAX_VALUES = 1024;

    public ModelSignature {
        inputs = checked(inputs, "inputs");
        outputs = checked(outputs, "outputs");
    }

    private static List<ValueSignature> checked(List<ValueSignature> values, String what) {
        Objects.requireNonNull(values, "model signature " + what + " are missing");
        if (values.isEmpty() || values.size() > MAX_VALUES) {
            throw new IllegalArgumentException("model signature has " + values.size() + " " + what + "; 1.." + MAX_VALUES
                    + " are accepted");
        }
        if (values.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException("model signature " + what + " hold a null entry");
        }
        Set<String> names = new HashSet<>();
        for (ValueSignature v : values) {
            if (!names.add(v.name())) {
                throw new IllegalArgumentException("model signature " + what + " name '" + SignatureText.printable(v.name())
                        + "' twice");
            }
        }
        return List.copyOf(values);
    }

    /** "inputs 'features' float32 [N, 64]; outputs 'label' int64 [N], 'probabilities' float32 [N, 10]". */
    @Override
    public String toString() {
        return "inputs " + join(inputs) + "; outputs " + join(outputs);
    }

    private static String join(List<ValueSignature> values) {
        return String.join(", ", values.stream().map(ValueSignature::toString).toList());
    }
}
