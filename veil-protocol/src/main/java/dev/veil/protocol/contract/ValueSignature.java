package dev.veil.protocol.contract;

import dev.veil.protocol.json.MayBeAbsent;
import java.util.List;
import java.util.Objects;

/**
 * One input or output of the model: its name, what it holds and, for a tensor, its shape.
 *
 * @param shape the tensor's dimensions, outermost first; null when the model does not state a rank, and always null
 *              for a sequence or a map
 */
public record ValueSignature(String name, ValueType type, @MayBeAbsent List<Dim> shape) {
    public static final int MAX_NAME_LENGTH = 256;
    /** Far above any real model's rank (ONNX Runtime for Java creates tensors of at most 8 dimensions). */
    public static final int MAX_RANK = 64;

    public ValueSignature {
        Objects.requireNonNull(name, "a model input or output has no name");
        SignatureText.requireName(name, "a model input or output name", MAX_NAME_LENGTH);
        if (type == null) {
            throw new IllegalArgumentException("model value '" + SignatureText.printable(name) + "' has no type");
        }
        if (shape != null) {
            if (!type.isTensor()) {
                throw new IllegalArgumentException("model value '" + SignatureText.printable(name) + "' is a " + type.id()
                        + ", which has no shape");
            }
            if (shape.size() > MAX_RANK) {
                throw new IllegalArgumentException("model value '" + SignatureText.printable(name) + "' has rank "
                        + shape.size() + "; at most " + MAX_RANK + " is accepted");
            }
            if (shape.stream().anyMatch(Objects::isNull)) {
                throw new IllegalArgumentException("model value '" + SignatureText.printable(name) + "' has a missing dimension");
            }
            shape = List.copyOf(shape);
        }
    }

    public static ValueSignature tensor(String name, ValueType type, Dim... shape) {
        return new ValueSignature(name, type, List.of(shape));
    }

    /** "'features' float32 [N, 64]". */
    @Override
    public String toString() {
        return "'" + SignatureText.printable(name) + "' " + type.id() + (type.isTensor() ? " " + SignatureText.shape(shape) : "");
    }
}
