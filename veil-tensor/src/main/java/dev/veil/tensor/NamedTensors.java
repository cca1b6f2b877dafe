package dev.veil.tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Tensors by name, in the order given, each name once: a model's inputs or outputs, or the arrays of an .npz. */
public record NamedTensors(List<Tensor> tensors) {
    public NamedTensors {
        tensors = List.copyOf(tensors);
        Map<String, Tensor> seen = new HashMap<>();
        for (Tensor t : tensors) {
            if (seen.put(t.name(), t) != null) {
                throw new IllegalArgumentException("tensor name '" + Tensor.printable(t.name()) + "' appears twice");
            }
        }
    }

    public static NamedTensors of(Tensor... tensors) {
        return new NamedTensors(List.of(tensors));
    }

    /** The tensor named {@code name}, or null. */
    public Tensor get(String name) {
        for (Tensor t : tensors) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }

    public List<String> names() {
        List<String> names = new ArrayList<>(tensors.size());
        tensors.forEach(t -> names.add(t.name()));
        return names;
    }

    public int size() {
        return tensors.size();
    }

    /** Zeroes every tensor's values. */
    public void wipe() {
        tensors.forEach(Tensor::wipe);
    }

    @Override
    public String toString() {
        return String.join(", ", tensors.stream().map(Tensor::toString).toList());
    }
}
