package dev.veil.attest.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.attest.AttestationException;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.Vectors;
import dev.veil.attest.snp.SnpEvidenceVerifier;
import java.time.Instant;
import java.util.List;

/** Arbitrary report bytes (with a genuine VCEK as collateral) end in claims or an AttestationException. */
class SnpReportFuzzTest {
    private static final VerificationOptions OPTIONS = new VerificationOptions(Instant.parse("2026-06-01T00:00:00Z"),
            List.of(Vectors.read("sev-snp/virtee-milan-vcek.der")));
    private final SnpEvidenceVerifier verifier = new SnpEvidenceVerifier();

    @FuzzTest(maxDuration = "5s")
    void verifyArbitraryReport(FuzzedDataProvider data) {
        try {
            verifier.verify(data.consumeRemainingAsBytes(), OPTIONS);
        } catch (AttestationException expected) {
            // rejected with a reason
        }
    }
}
