package dev.veil.enclave.inference;

import dev.veil.protocol.contract.ValueType;
import java.util.List;

/**
 * One input or output of a model as ONNX Runtime loaded it, in the inference worker, described for the enclave: the
 * worker reports these after loading and {@link ContractSignatureCheck} compares them with the contract's signature.
 * They come from the worker's reply, so {@link WorkerReplies} has bounded and checked every field before one exists.
 *
 * @param kind        a tensor, a sequence, a map, or another kind of value Veil does not know
 * @param elementType a tensor's element type, or null when Veil does not know it (or the value is not a tensor)
 * @param shape       a tensor's dimensions, -1 where free; empty for other kinds
 * @param dimNames    the names ONNX Runtime gives the dimensions ("" when unnamed), one per dimension
 */
record LoadedValue(String name, Kind kind, ValueType elementType, long[] shape, List<String> dimNames) {
    enum Kind { TENSOR, SEQUENCE, MAP, OTHER }

    LoadedValue {
        shape = shape.clone();
        dimNames = List.copyOf(dimNames);
        if (dimNames.size() != shape.length) {
            throw new IllegalArgumentException("one name per dimension");
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }
}
