package dev.veil.enclave.evidence;

import dev.veil.attest.Platform;

/**
 * Where the enclave gets evidence from: the simulated firmware, or a TEE device interface on real hardware. One
 * call per provider challenge; {@code reportData} is the 64-byte session binding.
 */
public interface EvidenceSource {
    /** Evidence and the certificates that came with it (the SNP VCEK from the kernel's certificate table, say). */
    record Collected(byte[] evidence, java.util.List<byte[]> collateral) {
        public Collected {
            collateral = java.util.List.copyOf(collateral);
        }
    }

    Platform platform();

    /** Checks at start-up that the platform interface is there, so a misconfigured enclave fails before any provider. */
    default void probe() throws java.io.IOException {
    }

    Collected collect(byte[] reportData) throws java.io.IOException;
}
