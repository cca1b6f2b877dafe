package dev.veil.attest.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.attest.AttestationException;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.Verifiers;

/**
 * Arbitrary bytes given as sim evidence end in claims or an AttestationException, nothing else. Seeds: sim evidence
 * from a real `veil demo` session (docs/FUZZING.md).
 */
class SimEvidenceFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void verifyArbitraryEvidence(byte[] evidence) throws Exception {
        try {
            Verifiers.forPlatform(Platform.SIM).verify(evidence, VerificationOptions.now());
        } catch (AttestationException expected) {
            // rejected with a reason
        }
    }
}
