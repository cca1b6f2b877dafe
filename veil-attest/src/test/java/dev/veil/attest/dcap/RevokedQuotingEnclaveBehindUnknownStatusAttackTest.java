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
 * Without TCB Info the platform's status is Unknown, and a contract may knowingly waive that (waivers.tcb_statuses
 * Unknown with missing_collateral tcb_info). The QE Identity was still checked, though, and Intel may have revoked
 * the Quoting Enclave: its verdict used to be dropped with the TCB Info's absence, so the claims said Unknown and the
 * waiver let a revoked QE through, although Revoked can never be waived. Its advisories were dropped the same way.
 */
class RevokedQuotingEnclaveBehindUnknownStatusAttackTest {
    TestPki pki;
    byte[] quote;
    /** Accepts a platform whose TCB Info is missing, and nothing else beyond the defaults. */
    ReferenceValues withoutTcbInfo = new ReferenceValues(Platform.SGX, List.of("00".repeat(32)), false, false)
            .withWaivers(Waivers.none().withTcbStatuses(List.of("Unknown")).withMissingCollateral(List.of("tcb_info")));

    @BeforeEach
    void setUp() throws Exception {
        pki = new TestPki();
        quote = pki.quote().build();
    }

    Claims verifyWithoutTcbInfo(String qeIdentity) throws Exception {
        return pki.verify(Platform.SGX, quote, List.of(pki.signed("enclaveIdentity", qeIdentity),
                IntelStyleCrl.of(TestPki.ROOT, pki.root), IntelStyleCrl.of(TestPki.CA, pki.ca)), List.of());
    }

    @Test
    void revokedQuotingEnclaveIsNotWaivedAsUnknown() throws Exception {
        Claims c = verifyWithoutTcbInfo(TestPki.qeIdentity("QE", 17, "Revoked"));
        assertThat(c.byName()).containsEntry("collateral_missing", "tcb_info").containsEntry("tcb_status", "Revoked");
        assertThat(PolicyCheck.failures(withoutTcbInfo.evaluate(c))).extracting(PolicyCheck::claim).containsExactly("tcb_status");
    }

    @Test
    void quotingEnclaveAdvisoriesAreReportedWithoutTcbInfo() throws Exception {
        Claims c = verifyWithoutTcbInfo(TestPki.qeIdentity("QE", 17, "OutOfDate")
                .replace("\"tcbStatus\":\"OutOfDate\"", "\"tcbStatus\":\"OutOfDate\",\"advisoryIDs\":[\"INTEL-SA-00615\"]"));
        assertThat(c.byName()).containsEntry("tcb_status", "Unknown").containsEntry("advisory_ids", "INTEL-SA-00615");
        assertThat(PolicyCheck.failures(withoutTcbInfo.evaluate(c))).extracting(PolicyCheck::claim).containsExactly("advisory_ids");
    }

    @Test
    void upToDateQuotingEnclaveLeavesTheWaivedUnknownAccepted() throws Exception {
        Claims c = verifyWithoutTcbInfo(TestPki.qeIdentity("QE", 17, "UpToDate"));
        assertThat(c.byName()).containsEntry("tcb_status", "Unknown").containsEntry("advisory_ids", "");
        assertThat(PolicyCheck.failures(withoutTcbInfo.evaluate(c))).isEmpty();
    }
}
