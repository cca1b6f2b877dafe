package dev.veil.attest.dcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Item 2 of issue 6: the verifier's own collateral is used first and the host's never overrides it; among genuine
 * copies from one source the highest tcbEvaluationDataNumber wins, then the latest issueDate. All copies here carry
 * valid signatures by the (test) TCB signing key, so only the choice rule decides.
 */
class CollateralPrecedenceTest {
    TestPki pki;
    byte[] quote;

    @BeforeEach
    void setUp() throws Exception {
        pki = new TestPki();
        quote = pki.quote().build();
    }

    byte[] tcbInfo(String status, int evaluationNumber, String issueDate) throws Exception {
        return pki.signed("tcbInfo", TestPki.sgxTcbInfo(status, evaluationNumber, issueDate));
    }

    /** A genuine, complete PCK CRL whose window (January 2026) ended before the verification time. */
    byte[] staleIntelStylePckCrl() throws Exception {
        X509v2CRLBuilder b = IntelStyleCrl.builder(TestPki.CA, pki.ca, Instant.parse("2026-01-01T00:00:00Z"));
        b.setNextUpdate(Date.from(Instant.parse("2026-02-01T00:00:00Z")));
        return IntelStyleCrl.sign(b, pki.ca);
    }

    Claims verify(List<byte[]> trusted, List<byte[]> host) throws Exception {
        return pki.verify(Platform.SGX, quote, trusted, host);
    }

    @Test
    void olderGenuineTcbInfoFromTheHostDoesNotOverrideTheTrustedOne() throws Exception {
        Claims c = verify(List.of(tcbInfo("OutOfDate", 18, "2026-05-02T00:00:00Z")), List.of(tcbInfo("UpToDate", 17, "2026-05-01T00:00:00Z")));
        assertThat(c.byName()).containsEntry("tcb_status", "OutOfDate")
                .containsEntry("tcb_info", "SGX v3, evaluation data 18, issued 2026-05-02T00:00:00Z, from the verifier's collateral");
    }

    /** Even a host copy that claims a higher evaluation number does not replace the verifier's own. */
    @Test
    void newerLookingTcbInfoFromTheHostDoesNotOverrideTheTrustedOne() throws Exception {
        Claims c = verify(List.of(tcbInfo("OutOfDate", 17, "2026-05-01T00:00:00Z")), List.of(tcbInfo("UpToDate", 19, "2026-05-20T00:00:00Z")));
        assertThat(c.byName()).containsEntry("tcb_status", "OutOfDate");
    }

    @Test
    void higherEvaluationNumberWinsAmongGenuineCopies() throws Exception {
        Claims c = verify(List.of(tcbInfo("OutOfDate", 18, "2026-05-01T00:00:00Z"), tcbInfo("UpToDate", 17, "2026-05-20T00:00:00Z")), List.of());
        assertThat(c.byName()).containsEntry("tcb_status", "OutOfDate").containsEntry("tcb_evaluation_data_number", "18");
    }

    @Test
    void laterIssueDateWinsAmongCopiesOfOneEvaluationNumber() throws Exception {
        Claims c = verify(List.of(tcbInfo("OutOfDate", 17, "2026-05-02T00:00:00Z"), tcbInfo("UpToDate", 17, "2026-05-01T00:00:00Z")), List.of());
        assertThat(c.byName()).containsEntry("tcb_status", "OutOfDate");
    }

    /** The host's collateral is used when the verifier has none of that kind, and the claim says where it came from. */
    @Test
    void hostCollateralIsUsedOnlyWhereTheVerifierHasNone() throws Exception {
        Claims c = verify(List.of(), List.of(tcbInfo("SWHardeningNeeded", 17, "2026-05-01T00:00:00Z")));
        assertThat(c.byName()).containsEntry("tcb_status", "SWHardeningNeeded")
                .containsEntry("tcb_info", "SGX v3, evaluation data 17, issued 2026-05-01T00:00:00Z, from the evidence's host");
    }

    @Test
    void hostQeIdentityDoesNotOverrideTheTrustedOne() throws Exception {
        byte[] info = tcbInfo("UpToDate", 17, "2026-05-01T00:00:00Z");
        Claims c = verify(List.of(info, pki.signed("enclaveIdentity", TestPki.qeIdentity("QE", 17, "OutOfDate"))),
                List.of(pki.signed("enclaveIdentity", TestPki.qeIdentity("QE", 18, "UpToDate"))));
        assertThat(c.byName()).containsEntry("qe_identity", "QE isvsvn 0: OutOfDate").containsEntry("tcb_status", "OutOfDate");
    }

    /** A forged copy in the source that is used is refused, not skipped in favour of another. */
    @Test
    void forgedCopyBesideAGenuineOneIsRefused() throws Exception {
        byte[] forged = TestPki.signed("tcbInfo", TestPki.sgxTcbInfo("UpToDate", 19, "2026-05-01T00:00:00Z"), RevokedPckTest.p256().getPrivate());
        assertThatThrownBy(() -> verify(List.of(tcbInfo("OutOfDate", 17, "2026-05-01T00:00:00Z"), forged), List.of()))
                .hasMessageContaining("TCB Info signature is invalid");
    }

    /** The reported number is the lower of TCB Info's and QE Identity's. */
    @Test
    void evaluationNumberReportedIsTheLowerOfTheTwo() throws Exception {
        Claims c = verify(List.of(tcbInfo("UpToDate", 18, "2026-05-01T00:00:00Z"),
                pki.signed("enclaveIdentity", TestPki.qeIdentity("QE", 17, "UpToDate"))), List.of());
        assertThat(c.byName()).containsEntry("tcb_evaluation_data_number", "17");
    }

    /** A stale genuine CRL from the host is not the list in force when the verifier has a current one. */
    @Test
    void staleCrlFromTheHostDoesNotReplaceTheTrustedOne() throws Exception {
        byte[] stale = staleIntelStylePckCrl();
        Claims c = verify(List.of(IntelStyleCrl.of(TestPki.CA, pki.ca)), List.of(stale));
        assertThat(c.byName()).containsEntry("pck_crl", "not revoked (Intel SGX PCK Platform CA CRL)");
    }

    /** Intel does not un-revoke: a genuine host CRL listing the PCK revokes it even when the verifier's list does not. */
    @Test
    void revocationOnAGenuineHostCrlStillCounts() throws Exception {
        assertThatThrownBy(() -> verify(List.of(IntelStyleCrl.of(TestPki.CA, pki.ca)), List.of(IntelStyleCrl.of(TestPki.CA, pki.ca, pki.pckCert.getSerialNumber()))))
                .hasMessageContaining("Intel SGX PCK Certificate certificate is revoked");
    }

    /** Among the verifier's own CRLs the one valid at the verification time is in force; an outdated one alone is refused. */
    @Test
    void outdatedCrlIsRefusedWhenItIsTheOnlyOne() throws Exception {
        byte[] stale = staleIntelStylePckCrl();
        assertThatThrownBy(() -> verify(List.of(stale), List.of())).hasMessageContaining("Intel SGX PCK Platform CA CRL validity at");
        assertThat(verify(List.of(stale, IntelStyleCrl.of(TestPki.CA, pki.ca)), List.of()).byName()).containsEntry("pck_crl", "not revoked (Intel SGX PCK Platform CA CRL)");
    }
}
