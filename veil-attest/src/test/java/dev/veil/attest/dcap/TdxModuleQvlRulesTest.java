package dev.veil.attest.dcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Platform;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Findings 3 and 4 of the issue 6 review, with the refusal's words: a TDX module level may only say UpToDate,
 * OutOfDate or Revoked (QVL VALID_MODULE_TCB_STATUSES), and SEAMATTRIBUTES and the TCB Info's module attributes must
 * both be zero whatever the mask (QVL §4.1.2.4.11.2).
 */
class TdxModuleQvlRulesTest {
    TestPki pki;

    @BeforeEach
    void setUp() throws Exception {
        pki = new TestPki();
    }

    /** A TD on module TDX_01 isvsvn 3, verified with {@code tcbInfo}. */
    dev.veil.attest.Claims verify(TestQuote q, String tcbInfo) throws Exception {
        q.teeTcbSvn[0] = 3;
        q.teeTcbSvn[1] = 1;
        return pki.verify(Platform.TDX, q.build(), List.of(pki.signed("tcbInfo", tcbInfo)), List.of());
    }

    @Test
    void moduleLevelStatusIntelDoesNotDefineForModulesIsRefusedByName() {
        for (String s : List.of("ConfigurationNeeded", "SWHardeningNeeded", "ConfigurationAndSWHardeningNeeded", "OutOfDateConfigurationNeeded")) {
            assertThatThrownBy(() -> verify(pki.quote().tdx(4), TestPki.tdxTcbInfo(IntelQuoteChecksTest.INTEL_SIGNER, s))).as(s)
                    .hasMessageContaining("TCB Info TDX_01 level isvsvn 2 status is " + s + ", expected UpToDate, OutOfDate or Revoked");
        }
    }

    @Test
    void eachModuleStatusQvlAcceptsConverges() throws Exception {
        for (String s : List.of("UpToDate", "OutOfDate", "Revoked")) {
            assertThat(verify(pki.quote().tdx(4), TestPki.tdxTcbInfo(IntelQuoteChecksTest.INTEL_SIGNER, s)).byName()).as(s)
                    .containsEntry("tcb_status", s);
        }
    }

    /** TCB Info's module attributes are not zero but its mask hides them; the TD's SEAMATTRIBUTES are zero. */
    @Test
    void moduleAttributesInTcbInfoThatAreNotZeroAreRefusedWhateverTheMask() {
        String info = TestPki.tdxTcbInfo(IntelQuoteChecksTest.INTEL_SIGNER, "UpToDate")
                .replace("\"attributes\":\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\"",
                        "\"attributes\":\"0000000000000080\",\"attributesMask\":\"0000000000000000\"");
        assertThatThrownBy(() -> verify(pki.quote().tdx(4), info))
                .hasMessageContaining("SEAMATTRIBUTES is 0000000000000000 (TCB Info TDX_01 attributes 0000000000000080), expected both all zero");
    }
}
