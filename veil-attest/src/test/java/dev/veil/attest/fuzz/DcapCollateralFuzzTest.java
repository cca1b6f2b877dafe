package dev.veil.attest.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.attest.AttestationException;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.Verifiers;
import java.util.function.Predicate;

/**
 * Arbitrary bytes in place of one kind of DCAP collateral (TCB Info, QE Identity, a CRL, the issuer chains), next to a
 * genuine quote and the rest of its genuine collateral, for TDX and SGX. Only the public entry point is used, so the
 * targets stay valid while the verifier's internals change. Every input ends in claims or an AttestationException.
 * Seeds: every TCB Info, QE Identity, CRL and certificate chain in testdata/vectors.
 */
class DcapCollateralFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void tcbInfo(byte[] blob) throws Exception {
        verifyWithout(name -> name.startsWith("tcbinfo"), blob);
    }

    @FuzzTest(maxDuration = "5s")
    void qeIdentity(byte[] blob) throws Exception {
        verifyWithout(name -> name.startsWith("qeidentity"), blob);
    }

    @FuzzTest(maxDuration = "5s")
    void crl(byte[] blob) throws Exception {
        verifyWithout(name -> name.equals("pck_crl.der"), blob);
        verifyWithout(name -> name.equals("root_ca_crl.der"), blob);
    }

    @FuzzTest(maxDuration = "5s")
    void issuerChain(byte[] blob) throws Exception {
        verifyWithout(name -> name.endsWith("_chain.pem"), blob);
    }

    private static void verifyWithout(Predicate<String> genuineKind, byte[] blob) throws Exception {
        for (Platform p : new Platform[] {Platform.TDX, Platform.SGX}) {
            FuzzVectors.DcapSet set = p == Platform.TDX ? FuzzVectors.TDX : FuzzVectors.SGX;
            try {
                Verifiers.forPlatform(p).verify(set.quote(),
                        new VerificationOptions(set.at(), set.collateralWithout(genuineKind, blob)));
            } catch (AttestationException expected) {
                // rejected with a reason
            }
        }
    }
}
