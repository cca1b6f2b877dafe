package dev.veil.attest.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.attest.AttestationException;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.Verifiers;
import java.util.List;

/**
 * Arbitrary bytes as the VCEK, then as the ASK/ARK chain, of a genuine SEV-SNP report end in claims or an
 * AttestationException. Seeds: every AMD certificate and chain in testdata/vectors.
 */
class SnpCertificateFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void vcekOrChain(byte[] blob) throws Exception {
        for (List<byte[]> collateral : List.of(List.of(blob, FuzzVectors.SNP_CHAIN), List.of(FuzzVectors.SNP_VCEK, blob))) {
            try {
                Verifiers.forPlatform(Platform.SEV_SNP).verify(FuzzVectors.SNP_REPORT,
                        new VerificationOptions(FuzzVectors.SNP_AT, collateral));
            } catch (AttestationException expected) {
                // rejected with a reason
            }
        }
    }
}
