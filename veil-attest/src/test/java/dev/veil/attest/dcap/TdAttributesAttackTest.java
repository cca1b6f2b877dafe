package dev.veil.attest.dcap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import dev.veil.attest.policy.PolicyCheck;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * TDATTRIBUTES are chosen by the host at TD creation and are not part of MRTD, like SNP's guest policy. Two of them
 * hand the TD's memory to someone else, and the default reference values judged neither:
 * <ul>
 * <li>the TUD group (bits 7:0, "TD under debug"): Intel's TDX ABI says the TD is untrusted when any of them is set,
 * but only bit 0 (DEBUG) was reported as debug, so a TD with another TUD flag (reserved today, defined by a later
 * module) passed the default {@code debug} check;</li>
 * <li>MIGRATABLE (bit 29): a Migration TD bound by the host can export the TD's memory and state, as SNP's migration
 * agent can; SNP's MIGRATE_MA is refused by default, TDX's MIGRATABLE was accepted.</li>
 * </ul>
 * Each quote here is valid in every other respect (signed by the test PKI), with complete, current collateral.
 */
class TdAttributesAttackTest {
    /** The RTMRs of every {@link TestQuote}, pinned where a test needs well-formed reference values. */
    static final String ZEROS = "00".repeat(48);
    TestPki pki;

    @BeforeEach
    void setUp() throws Exception {
        pki = new TestPki();
    }

    Claims verify(int byteIndex, int bit) throws Exception {
        TestQuote q = pki.quote().tdx(4);
        q.teeTcbSvn[0] = 3;
        q.teeTcbSvn[1] = 1;
        q.tdAttributes[byteIndex] |= (byte) (1 << bit);
        return pki.verify(Platform.TDX, q.build(), List.of(pki.signed("tcbInfo", TestPki.tdxTcbInfo(IntelQuoteChecksTest.INTEL_SIGNER, "UpToDate")),
                pki.signed("enclaveIdentity", TestPki.qeIdentity("TD_QE", 17, "UpToDate")),
                IntelStyleCrl.of(TestPki.ROOT, pki.root), IntelStyleCrl.of(TestPki.CA, pki.ca)), List.of());
    }

    static List<String> failing(ReferenceValues rv, Claims c) {
        return PolicyCheck.failures(rv.evaluate(c)).stream().map(PolicyCheck::claim).toList();
    }

    static ReferenceValues defaults() {
        return new ReferenceValues(Platform.TDX, List.of("00".repeat(48)), false, false);
    }

    @Test
    void tdWithNoAttributesPassesTheDefaults() throws Exception {
        Claims c = verify(3, 4);   // bit 28, SEPT_VE_DISABLE: a hardening, not a hand-over
        assertThat(c.byName()).containsEntry("td_migratable", "false");
        assertThat(failing(defaults(), c)).isEmpty();
    }

    @Test
    void tdUnderDebugByAFlagOtherThanDebugIsRefusedByDefault() throws Exception {
        Claims c = verify(0, 1);   // bit 1: reserved TUD flag
        assertThat(c.debug()).isTrue();
        assertThat(failing(defaults(), c)).containsExactly("debug");
    }

    @Test
    void migratableTdIsRefusedByDefault() throws Exception {
        Claims c = verify(3, 5);   // bit 29, MIGRATABLE
        assertThat(c.byName()).containsEntry("td_migratable", "true");
        assertThat(failing(defaults(), c)).containsExactly("td_migratable");
    }

    @Test
    void migratableTdIsAcceptedOnlyWhenPinnedAndThenShownAsARelaxation() throws Exception {
        ReferenceValues pinned = defaults().withClaims(Map.of("td_migratable", "true", "rtmr0", ZEROS, "rtmr1", ZEROS, "rtmr2", ZEROS));
        assertThat(pinned.problems()).isEmpty();
        assertThat(pinned.relaxations()).anyMatch(r -> r.startsWith("claims.td_migratable"));
        assertThat(failing(pinned, verify(3, 5))).isEmpty();
        assertThat(defaults().withClaims(Map.of("td_migratable", "yes", "rtmr0", ZEROS, "rtmr1", ZEROS, "rtmr2", ZEROS)).problems())
                .anyMatch(p -> p.startsWith("claims.td_migratable must be true or false"));
    }
}
