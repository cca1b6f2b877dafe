package dev.veil.attest;

/**
 * Turns one platform's raw evidence into {@link Claims}: parse the bytes, verify signatures and certificate chains
 * to the platform's pinned roots. It does not judge the claims; {@link ReferenceValues} does that. Implementations
 * are pure (no I/O, no clock other than {@link VerificationOptions#at()}) so the same code runs on every side.
 */
public interface EvidenceVerifier {
    Platform platform();

    Claims verify(byte[] evidence, VerificationOptions options) throws AttestationException;
}
