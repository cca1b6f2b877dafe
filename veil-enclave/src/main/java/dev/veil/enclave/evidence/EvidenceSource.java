package dev.veil.enclave.evidence;

/**
 * Where the enclave gets evidence from: the simulated firmware, or a TEE device interface on real hardware. One
 * call per provider challenge; {@code reportData} is the 64-byte session binding.
 */
public interface EvidenceSource {
    String platform();

    byte[] collect(byte[] reportData) throws java.io.IOException;
}
