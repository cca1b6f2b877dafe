package dev.veil.attest;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Inputs to signature and chain verification besides the evidence itself: the time at which certificates must be
 * valid (sample evidence carries certificates that expire, so it is a parameter) and collateral (certificates, CRLs,
 * TCB info), each as raw bytes, kept apart by where it came from.
 *
 * @param trustedCollateral collateral the verifier obtained itself: its own files, its cache, a PCS/PCCS or KDS
 *                          fetch. Where two genuine copies of the same kind disagree, these take precedence.
 * @param evidenceCollateral collateral that arrived with the evidence, from the enclave's host. It is used only
 *                           where the trusted collateral has nothing of that kind, and never overrides it.
 */
public record VerificationOptions(Instant at, List<byte[]> trustedCollateral, List<byte[]> evidenceCollateral) {
    public VerificationOptions {
        trustedCollateral = List.copyOf(trustedCollateral);
        evidenceCollateral = List.copyOf(evidenceCollateral);
    }

    /** Collateral the verifier supplied itself (its own files), none from the host. */
    public VerificationOptions(Instant at, List<byte[]> trustedCollateral) {
        this(at, trustedCollateral, List.of());
    }

    public static VerificationOptions now() {
        return new VerificationOptions(Instant.now(), List.of());
    }

    public static VerificationOptions at(Instant at) {
        return new VerificationOptions(at, List.of());
    }

    /** The same options with collateral that came with the evidence added, as the less trusted source. */
    public VerificationOptions withEvidenceCollateral(List<byte[]> fromHost) {
        return new VerificationOptions(at, trustedCollateral, fromHost);
    }

    /** Every blob, trusted first: for kinds where the source does not matter (a chain checked to a pinned root). */
    public List<byte[]> allCollateral() {
        List<byte[]> all = new ArrayList<>(trustedCollateral);
        all.addAll(evidenceCollateral);
        return all;
    }
}
