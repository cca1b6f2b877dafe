package dev.veil.protocol.contract;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import java.util.List;
import java.util.Objects;

/**
 * The contract's enclave terms: the {@link ReferenceValues} both providers sign, written in the contract as that
 * object itself, so the contract, {@code veil attest verify --policy} and every session appraisal share one model,
 * one parser and one set of defaults (docs/POLICY.md).
 */
public record EnclavePolicy(ReferenceValues referenceValues) {
    public EnclavePolicy {
        Objects.requireNonNull(referenceValues, "referenceValues");
    }

    /** Measurements and the two switches; everything else at its safe default. */
    public EnclavePolicy(Platform platform, List<String> measurements, boolean allowDebug, boolean allowSimulated) {
        this(new ReferenceValues(platform, measurements, allowDebug, allowSimulated));
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static EnclavePolicy fromJson(ReferenceValues referenceValues) {
        return new EnclavePolicy(referenceValues);
    }

    @JsonValue
    @Override
    public ReferenceValues referenceValues() {
        return referenceValues;
    }
}
