package dev.veil.attest.dcap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.Vectors;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Item 3 of issue 6, verifier side: {@code collateral_missing} names each kind that was not available (tcb_info,
 * qe_identity, pck_crl, root_ca_crl), recognising CRLs by their issuer; the status stays Unknown without TCB Info.
 * On dcap-qvl's real TDX set (SOURCES.md §2).
 */
class CollateralMissingTest {
    static final String SET = "tdx/dcapqvl-tdx_quote.collateral/";
    static final Instant AT = Instant.parse("2025-07-19T10:00:34Z");

    Claims verify(String... files) throws Exception {
        List<byte[]> col = new ArrayList<>();
        for (String f : files) {
            col.add(Vectors.read(f.contains("/") ? f : SET + f));
        }
        return new DcapEvidenceVerifier(Platform.TDX).verify(Vectors.read("tdx/dcapqvl-tdx_quote.bin"), new VerificationOptions(AT, col));
    }

    @Test
    void completeCollateralLeavesNothingMissing() throws Exception {
        Claims c = verify("tcbinfo_response.json", "tcb_info_issuer_chain.pem", "qeidentity_response.json", "pck_crl.der", "root_ca_crl.der");
        assertThat(c.byName()).containsEntry("collateral_missing", "").containsEntry("tcb_status", "UpToDate")
                .containsEntry("tcb_evaluation_data_number", "17");
    }

    @Test
    void evidenceAloneMissesEveryKind() throws Exception {
        Claims c = verify();
        assertThat(c.byName()).containsEntry("collateral_missing", "tcb_info,qe_identity,pck_crl,root_ca_crl")
                .containsEntry("tcb_status", "Unknown").containsEntry("tcb_evaluation_data_number", "");
    }

    @Test
    void eachMissingKindIsNamed() throws Exception {
        assertThat(verify("tcbinfo_response.json", "tcb_info_issuer_chain.pem").byName())
                .containsEntry("collateral_missing", "qe_identity,pck_crl,root_ca_crl");
        assertThat(verify("qeidentity_response.json", "tcb_info_issuer_chain.pem", "pck_crl.der").byName())
                .containsEntry("collateral_missing", "tcb_info,root_ca_crl").containsEntry("tcb_status", "Unknown");
        assertThat(verify("root_ca_crl.der").byName()).containsEntry("collateral_missing", "tcb_info,qe_identity,pck_crl")
                .containsEntry("pck_crl", "not revoked (Intel SGX Root CA CRL)");
    }

    /** The SGX set's PCK CRL is the Processor CA's; this quote's PCK comes from the Platform CA, so its CRL is still missing. */
    @Test
    void crlOfAnotherPckCaDoesNotCountAsThePckCrl() throws Exception {
        assertThat(verify("sgx/dcapqvl-sgx_quote.collateral/pck_crl.der", "root_ca_crl.der").byName())
                .containsEntry("collateral_missing", "tcb_info,qe_identity,pck_crl");
    }
}
