package dev.veil.protocol.contract;

import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import java.util.List;

/** The contract's reference values for the enclave. Nothing implicit: simulation and debug must be allowed by name. */
public record EnclavePolicy(String platform, List<String> measurements, boolean allowDebug, boolean allowSimulated) {
    public EnclavePolicy {
        measurements = List.copyOf(measurements);
    }

    public ReferenceValues referenceValues() {
        return new ReferenceValues(Platform.fromId(platform), measurements, allowDebug, allowSimulated);
    }
}
