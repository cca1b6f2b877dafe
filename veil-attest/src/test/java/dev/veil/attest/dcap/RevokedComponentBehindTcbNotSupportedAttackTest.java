package dev.veil.attest.dcap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import dev.veil.attest.policy.PolicyCheck;
import dev.veil.attest.policy.Waivers;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A platform below every TCB level is TcbNotSupported, which a contract may waive by name. The matching used to stop
 * there, before the Quoting Enclave's and the TDX module's verdicts were folded in: a QE or module that Intel revoked
 * was reported as the waivable TcbNotSupported, so the waiver accepted it, although Revoked can never be waived.
 */
class RevokedComponentBehindTcbNotSupportedAttackTest {
    TestPki pki;

    @BeforeEach
    void setUp() throws Exception {
        pki = new TestPki();
    }

    static ReferenceValues waivingNotSupported(Platform platform, String measurementHex) {
        return new ReferenceValues(platform, List.of(measurementHex), false, false)
                .withWaivers(Waivers.none().withTcbStatuses(List.of("TcbNotSupported")));
    }

    List<byte[]> crls() throws Exception {
        return List.of(IntelStyleCrl.of(TestPki.ROOT, pki.root), IntelStyleCrl.of(TestPki.CA, pki.ca));
    }

    @Test
    void revokedQuotingEnclaveOnAPlatformBelowEveryLevelIsNotWaivedAsNotSupported() throws Exception {
        // the only level needs component SVNs of 6; the PCK has 5
        String above = TestPki.sgxTcbInfo("UpToDate", 17, "2026-05-01T00:00:00Z").replace("{\"svn\":5}", "{\"svn\":6}");
        List<byte[]> collateral = new java.util.ArrayList<>(crls());
        collateral.add(pki.signed("tcbInfo", above));
        collateral.add(pki.signed("enclaveIdentity", TestPki.qeIdentity("QE", 17, "Revoked")));
        Claims c = pki.verify(Platform.SGX, pki.quote().build(), collateral, List.of());
        assertThat(c.byName()).containsEntry("tcb_status", "Revoked");
        assertThat(PolicyCheck.failures(waivingNotSupported(Platform.SGX, "00".repeat(32)).evaluate(c)))
                .extracting(PolicyCheck::claim).containsExactly("tcb_status");
    }

    @Test
    void revokedTdxModuleWithTeeTcbBelowEveryLevelIsNotWaivedAsNotSupported() throws Exception {
        TestQuote q = pki.quote().tdx(4);
        q.teeTcbSvn[0] = 3;
        q.teeTcbSvn[1] = 1;
        // module TDX_01 at isvsvn 3 is Revoked; the only level needs TEE_TCB_SVN[2] of 9, the TD has 0
        String info = TestPki.tdxTcbInfo(IntelQuoteChecksTest.INTEL_SIGNER, "Revoked")
                .replace("\"tdxtcbcomponents\":[{\"svn\":0},{\"svn\":0},{\"svn\":0}", "\"tdxtcbcomponents\":[{\"svn\":0},{\"svn\":0},{\"svn\":9}");
        List<byte[]> collateral = new java.util.ArrayList<>(crls());
        collateral.add(pki.signed("tcbInfo", info));
        collateral.add(pki.signed("enclaveIdentity", TestPki.qeIdentity("TD_QE", 17, "UpToDate")));
        Claims c = pki.verify(Platform.TDX, q.build(), collateral, List.of());
        assertThat(c.byName()).containsEntry("tcb_status", "Revoked");
        assertThat(PolicyCheck.failures(waivingNotSupported(Platform.TDX, "00".repeat(48)).evaluate(c)))
                .extracting(PolicyCheck::claim).containsExactly("tcb_status");
    }

    @Test
    void revokedPlatformLevelWithAQuotingEnclaveBelowEveryLevelIsNotWaivedAsNotSupported() throws Exception {
        List<byte[]> collateral = new java.util.ArrayList<>(crls());
        collateral.add(pki.signed("tcbInfo", TestPki.sgxTcbInfo("Revoked", 17, "2026-05-01T00:00:00Z")));
        // the QE's ISVSVN (0) is below the identity's only level (1)
        collateral.add(pki.signed("enclaveIdentity", TestPki.qeIdentity("QE", 17, "UpToDate").replace("\"isvsvn\":0", "\"isvsvn\":1")));
        Claims c = pki.verify(Platform.SGX, pki.quote().build(), collateral, List.of());
        assertThat(c.byName()).containsEntry("tcb_status", "Revoked");
    }

    @Test
    void revokedPlatformLevelWithATdxModuleBelowEveryLevelIsNotWaivedAsNotSupported() throws Exception {
        TestQuote q = pki.quote().tdx(4);
        q.teeTcbSvn[0] = 1;   // below TDX_01's only level (isvsvn 2)
        q.teeTcbSvn[1] = 1;
        String upToDate = TestPki.tdxTcbInfo(IntelQuoteChecksTest.INTEL_SIGNER, "UpToDate");
        int platformLevel = upToDate.lastIndexOf("\"tcbStatus\":\"UpToDate\"");   // the platform's level comes last, after the module's
        String info = upToDate.substring(0, platformLevel) + "\"tcbStatus\":\"Revoked\"" + upToDate.substring(platformLevel + "\"tcbStatus\":\"UpToDate\"".length());
        List<byte[]> collateral = new java.util.ArrayList<>(crls());
        collateral.add(pki.signed("tcbInfo", info));
        Claims c = pki.verify(Platform.TDX, q.build(), collateral, List.of());
        assertThat(c.byName()).containsEntry("tcb_status", "Revoked");
    }

    @Test
    void platformBelowEveryLevelWithCurrentComponentsStaysNotSupported() throws Exception {
        String above = TestPki.sgxTcbInfo("UpToDate", 17, "2026-05-01T00:00:00Z").replace("{\"svn\":5}", "{\"svn\":6}");
        List<byte[]> collateral = new java.util.ArrayList<>(crls());
        collateral.add(pki.signed("tcbInfo", above));
        collateral.add(pki.signed("enclaveIdentity", TestPki.qeIdentity("QE", 17, "UpToDate")));
        Claims c = pki.verify(Platform.SGX, pki.quote().build(), collateral, List.of());
        assertThat(c.byName()).containsEntry("tcb_status", "TcbNotSupported");
        assertThat(PolicyCheck.failures(waivingNotSupported(Platform.SGX, "00".repeat(32)).evaluate(c))).isEmpty();
    }
}
