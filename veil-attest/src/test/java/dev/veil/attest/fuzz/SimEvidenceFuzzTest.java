package dev.veil.attest.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.attest.AttestationException;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.sim.SimEvidenceVerifier;

/** Arbitrary bytes given as sim evidence end in claims or an AttestationException, nothing else. */
class SimEvidenceFuzzTest {
    private final SimEvidenceVerifier verifier = new SimEvidenceVerifier();

    @FuzzTest(maxDuration = "5s")
    void verifyArbitraryEvidence(FuzzedDataProvider data) {
        try {
            verifier.verify(data.consumeRemainingAsBytes(), VerificationOptions.now());
        } catch (AttestationException expected) {
            // rejected with a reason
        }
    }
}
