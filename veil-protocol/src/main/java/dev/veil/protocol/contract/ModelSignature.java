package dev.veil.protocol.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.veil.protocol.json.MayBeAbsent;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The model's inputs and outputs as both providers sign them, in the model's own order (the order ONNX Runtime lists
 * them in; Veil's {@code scores} output is the first output tensor). The model provider derives it from the model
 * (docs/PROTOCOL.md); the data provider checks its data against it before releasing a key; the enclave refuses a
 * model whose inputs and outputs, as ONNX Runtime loads them, are not exactly these.
 *
 * @param maxSizes the most elements a row may hold along each free input dimension after the first, by name; absent
 *                 when the model has no such dimension (contract verifiers refuse a model that has one and no size for
 *                 it: {@link RowsAreTheBatch}). It is the providers' term, not read from the model.
 */
public record ModelSignature(List<ValueSignature> inputs, List<ValueSignature> outputs,
                             @MayBeAbsent @JsonInclude(JsonInclude.Include.NON_NULL) MaxSizes maxSizes) {
    /** Bounds a document the other provider wrote; real models have a handful. */
    public static final int MAX_VALUES = 1024;

    public ModelSignature {
        inputs = checked(inputs, "inputs");
        outputs = checked(outputs, "outputs");
        if (maxSizes != null) {
            for (String name : maxSizes.byName().keySet()) {
                if (inputs.stream().noneMatch(in -> laterFree(in, name))) {
                    throw new IllegalArgumentException("max_sizes names '" + SignatureText.printable(name) + "', which is no"
                            + " free dimension after the first of any model input; give sizes only for those");
                }
            }
        }
    }

    /** A signature as read from a model: no max sizes yet. */
    public ModelSignature(List<ValueSignature> inputs, List<ValueSignature> outputs) {
        this(inputs, outputs, null);
    }

    public ModelSignature withMaxSizes(MaxSizes sizes) {
        return new ModelSignature(inputs, outputs, sizes);
    }

    /** The max size the providers gave to the free dimension {@code name}, or -1 when none (or it has no name). */
    public long maxSize(String name) {
        return maxSizes == null || name == null ? -1 : maxSizes.of(name);
    }

    private static boolean laterFree(ValueSignature in, String name) {
        return in.shape() != null && in.shape().stream().skip(1).anyMatch(d -> d instanceof Dim.Free f && name.equals(f.name()));
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

    /**
     * "inputs 'features' float32 [N, 64]; outputs 'label' int64 [N], 'probabilities' float32 [N, 10]", then
     * "; max sizes sequence 128" when given.
     */
    @Override
    public String toString() {
        return "inputs " + join(inputs) + "; outputs " + join(outputs) + (maxSizes == null ? "" : "; max sizes " + maxSizes);
    }

    private static String join(List<ValueSignature> values) {
        return String.join(", ", values.stream().map(ValueSignature::toString).toList());
    }
}
