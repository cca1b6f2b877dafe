package dev.veil.attest;

import java.time.Instant;
import java.util.List;

/**
 * Inputs to signature and chain verification besides the evidence itself: the time at which certificates must be
 * valid (sample evidence carries certificates that expire, so it is a parameter) and collateral the user supplied
 * (certificates, CRLs, TCB info), each as raw bytes.
 */
public record VerificationOptions(Instant at, List<byte[]> collateral) {
    public VerificationOptions {
        collateral = List.copyOf(collateral);
    }

    public static VerificationOptions now() {
        return new VerificationOptions(Instant.now(), List.of());
    }

    public static VerificationOptions at(Instant at) {
        return new VerificationOptions(at, List.of());
    }
}
