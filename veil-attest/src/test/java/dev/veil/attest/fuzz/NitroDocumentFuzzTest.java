package dev.veil.attest.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.attest.AttestationException;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.nitro.NitroEvidenceVerifier;

/** Arbitrary CBOR/COSE bytes end in claims or an AttestationException. */
class NitroDocumentFuzzTest {
    private final NitroEvidenceVerifier verifier = new NitroEvidenceVerifier();

    @FuzzTest(maxDuration = "5s")
    void verifyArbitraryDocument(FuzzedDataProvider data) {
        try {
            verifier.verify(data.consumeRemainingAsBytes(), VerificationOptions.now());
        } catch (AttestationException expected) {
            // rejected with a reason
        }
    }
}
