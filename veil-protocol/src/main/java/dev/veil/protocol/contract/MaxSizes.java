package dev.veil.protocol.contract;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The most elements one row may hold along each free dimension after the first, by the dimension's name (ONNX's
 * {@code dim_param}), e.g. {@code {"sequence": 128}}: both providers sign it in the model's signature
 * ({@code max_sizes}). Veil counts rows along each input's first dimension ({@link RowsAreTheBatch}); a free later
 * dimension (MiniLM's sequence, a point cloud's point count, an image's height) would let one counted row carry any
 * number of samples, so every such dimension needs a size here, and the data provider's tools and the enclave refuse
 * data beyond it. Rows times these sizes is then what the data provider consented to the model seeing.
 */
public record MaxSizes(SortedMap<String, Long> byName) {
    /** Far more free dimensions than any real model has. */
    public static final int MAX_ENTRIES = 256;
    /** The most one dimension may be given: ONNX Runtime for Java indexes a tensor's elements with an int. */
    public static final long MAX_SIZE = Integer.MAX_VALUE;

    public MaxSizes {
        Objects.requireNonNull(byName, "max sizes");
        if (byName.isEmpty() || byName.size() > MAX_ENTRIES) {
            throw new IllegalArgumentException("max_sizes names " + byName.size() + " dimensions; 1.." + MAX_ENTRIES
                    + " are accepted (leave it out when the model has no free dimension after the first)");
        }
        for (Map.Entry<String, Long> e : byName.entrySet()) {
            SignatureText.requireName(e.getKey(), "a max_sizes dimension name", Dim.MAX_NAME_LENGTH);
            Long size = e.getValue();
            if (size == null || size < 1 || size > MAX_SIZE) {
                throw new IllegalArgumentException("max_sizes gives dimension '" + SignatureText.printable(e.getKey()) + "' "
                        + size + "; a max size is 1.." + MAX_SIZE);
            }
        }
        byName = Collections.unmodifiableSortedMap(new TreeMap<>(byName));
    }

    public static MaxSizes of(Map<String, Long> byName) {
        return new MaxSizes(new TreeMap<>(byName));
    }

    /**
     * {@code size} for every named free dimension after the first of {@code signature}'s inputs, or null when it has
     * none: for benchmarks and tests, whose inputs all fit one generous size. A contract for real data names each size.
     */
    public static MaxSizes everyFreeLaterDimension(ModelSignature signature, long size) {
        Map<String, Long> sizes = new TreeMap<>();
        for (ValueSignature in : signature.inputs()) {
            if (in.shape() != null) {
                for (Dim d : in.shape().subList(Math.min(1, in.shape().size()), in.shape().size())) {
                    if (d instanceof Dim.Free f && f.name() != null) {
                        sizes.put(f.name(), size);
                    }
                }
            }
        }
        return sizes.isEmpty() ? null : of(sizes);
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static MaxSizes fromJson(Map<String, Long> byName) {
        return new MaxSizes(new TreeMap<>(byName));
    }

    @JsonValue
    @Override
    public SortedMap<String, Long> byName() {
        return byName;
    }

    /** The max size of the free dimension {@code name}, or -1 when none is given. */
    public long of(String name) {
        Long size = byName.get(name);
        return size == null ? -1 : size;
    }

    /** "sequence 128, width 960". */
    @Override
    public String toString() {
        return String.join(", ", byName.entrySet().stream()
                .map(e -> SignatureText.printable(e.getKey()) + " " + e.getValue()).toList());
    }
}
