package dev.veil.attest.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.attest.AttestationException;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.Verifiers;
import java.util.List;

/**
 * Arbitrary report bytes, with a genuine VCEK and ASK/ARK chain as collateral, end in claims or an
 * AttestationException. Seeds: every SEV-SNP report in testdata/vectors.
 */
class SnpReportFuzzTest {
    private static final VerificationOptions OPTIONS = new VerificationOptions(FuzzVectors.SNP_AT,
            List.of(FuzzVectors.SNP_VCEK, FuzzVectors.SNP_CHAIN));

    @FuzzTest(maxDuration = "5s")
    void verifyArbitraryReport(byte[] report) throws Exception {
        try {
            Verifiers.forPlatform(Platform.SEV_SNP).verify(report, OPTIONS);
        } catch (AttestationException expected) {
            // rejected with a reason
        }
    }
}
