package dev.veil.attest.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.attest.AttestationException;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.dcap.DcapEvidenceVerifier;

/** Arbitrary bytes as a TDX or SGX quote end in claims or an AttestationException. */
class DcapQuoteFuzzTest {
    private final DcapEvidenceVerifier tdx = new DcapEvidenceVerifier(Platform.TDX);
    private final DcapEvidenceVerifier sgx = new DcapEvidenceVerifier(Platform.SGX);

    @FuzzTest(maxDuration = "5s")
    void verifyArbitraryQuote(FuzzedDataProvider data) {
        boolean asTdx = data.consumeBoolean();
        try {
            (asTdx ? tdx : sgx).verify(data.consumeRemainingAsBytes(), VerificationOptions.now());
        } catch (AttestationException expected) {
            // rejected with a reason
        }
    }
}
