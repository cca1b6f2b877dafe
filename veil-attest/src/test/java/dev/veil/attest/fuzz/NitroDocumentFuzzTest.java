package dev.veil.attest.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.attest.AttestationException;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.Verifiers;

/**
 * Arbitrary CBOR/COSE bytes end in claims or an AttestationException. The input's last byte picks the instant of
 * one of the genuine documents ({@link NitroDocuments#AT}), when its certificates were valid, so mutations of a real
 * document get past the validity check. Seeds: every Nitro document in testdata/vectors, each followed by its index.
 */
class NitroDocumentFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void verifyArbitraryDocument(FuzzedDataProvider data) throws Exception {
        int at = data.consumeInt(0, NitroDocuments.AT.size() - 1);
        try {
            Verifiers.forPlatform(Platform.NITRO).verify(data.consumeRemainingAsBytes(),
                    VerificationOptions.at(NitroDocuments.AT.get(at)));
        } catch (AttestationException expected) {
            // rejected with a reason
        }
    }
}
