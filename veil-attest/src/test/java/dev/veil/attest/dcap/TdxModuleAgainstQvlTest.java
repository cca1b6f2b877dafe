package dev.veil.attest.dcap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.Platform;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Review of issue 6 item 4 (attack): a TDX module identity level may carry only UpToDate, OutOfDate or Revoked (QVL
 * TcbStatus.h VALID_MODULE_TCB_STATUSES; anything else is STATUS_TCB_UNRECOGNIZED_STATUS). Veil reads every TCB
 * status there and {@link TcbStatus#converge} ignores the ones it does not expect, so a module level that says the
 * module needs configuration, or is out of date and needs configuration, leaves an UpToDate platform UpToDate.
 * Likewise SEAMATTRIBUTES: QVL (QuoteVerifier 4.1.2.4.11.2) requires every byte to be zero whatever the mask (a
 * non-zero value is not a production TDX module); Veil compares only under TCB Info's attributesMask.
 */
class TdxModuleAgainstQvlTest {
    TestPki pki;

    @BeforeEach
    void setUp() throws Exception {
        pki = new TestPki();
    }

    /** "refused", or the status reported for a TD on module TDX_01 isvsvn 3 whose module level says {@code moduleStatus}. */
    String statusWithModuleLevel(String moduleStatus) throws Exception {
        TestQuote q = pki.quote().tdx(4);
        q.teeTcbSvn[0] = 3;
        q.teeTcbSvn[1] = 1;
        byte[] info = pki.signed("tcbInfo", TestPki.tdxTcbInfo(IntelQuoteChecksTest.INTEL_SIGNER, moduleStatus));
        return UnreadableTrustedCollateralTest.outcome(() -> pki.verify(Platform.TDX, q.build(), List.of(info), List.of()));
    }

    @Test
    void moduleLevelOutOfDateConfigurationNeededDoesNotLeaveTheTdUpToDate() throws Exception {
        assertThat(statusWithModuleLevel("OutOfDateConfigurationNeeded")).isIn("refused", "OutOfDate", "OutOfDateConfigurationNeeded");
    }

    @Test
    void moduleStatusIntelDoesNotDefineForModulesIsNotIgnored() throws Exception {
        for (String s : List.of("ConfigurationNeeded", "SWHardeningNeeded", "ConfigurationAndSWHardeningNeeded")) {
            assertThat(statusWithModuleLevel(s)).as("module level %s", s).isNotEqualTo("UpToDate");
        }
    }

    /** A TD on a module whose SEAMATTRIBUTES are not zero, with a TCB Info whose attributesMask does not cover them. */
    @Test
    void nonZeroSeamAttributesAreRefusedWhateverTheMask() throws Exception {
        TestQuote q = pki.quote().tdx(4);
        q.teeTcbSvn[0] = 3;
        q.teeTcbSvn[1] = 1;
        q.seamAttributes[7] = (byte) 0x80;
        String info = TestPki.tdxTcbInfo(IntelQuoteChecksTest.INTEL_SIGNER, "UpToDate").replace("FFFFFFFFFFFFFFFF", "0000000000000000");
        assertThat(UnreadableTrustedCollateralTest.outcome(() -> pki.verify(Platform.TDX, q.build(), List.of(pki.signed("tcbInfo", info)),
                List.of()))).isEqualTo("refused");
    }
}
