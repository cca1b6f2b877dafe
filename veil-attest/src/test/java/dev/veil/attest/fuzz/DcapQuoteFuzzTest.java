package dev.veil.attest.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.attest.AttestationException;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.Verifiers;

/**
 * Arbitrary bytes as a TDX or SGX quote, verified with a complete genuine collateral set (so a quote that keeps its
 * PCK chain reaches TCB Info, QE Identity and CRL code), end in claims or an AttestationException. The TEE type at
 * offset 4 picks the platform, as it does for a real quote. Seeds: every quote in testdata/vectors.
 */
class DcapQuoteFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void verifyArbitraryQuote(byte[] quote) throws Exception {
        boolean tdx = quote.length > 4 && quote[4] == (byte) 0x81;
        FuzzVectors.DcapSet set = tdx ? FuzzVectors.TDX : FuzzVectors.SGX;
        try {
            Verifiers.forPlatform(tdx ? Platform.TDX : Platform.SGX).verify(quote,
                    new VerificationOptions(set.at(), set.collateralWithout(name -> false, new byte[0])));
        } catch (AttestationException expected) {
            // rejected with a reason
        }
    }
}
