package dev.veil.attest.dcap;

import static dev.veil.attest.dcap.RevokedPckTest.cert;
import static dev.veil.attest.dcap.RevokedPckTest.p256;
import static dev.veil.attest.dcap.RevokedPckTest.sgxQuote;
import static dev.veil.attest.dcap.RevokedPckTest.sign;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * TCB Info and QE Identity signed by a test CA whose keys we hold, so each collateral check can be shown to reject
 * on its own: PCE-ID, FMSPC, the signer's chain, the signed bytes, and the Quoting Enclave's identity.
 */
class SyntheticCollateralTest {
    KeyPair root;
    KeyPair tcbSigning;
    X509Certificate rootCert;
    X509Certificate signingCert;
    byte[] quote;
    DcapEvidenceVerifier verifier;

    @BeforeEach
    void chain() throws Exception {
        root = p256();
        KeyPair ca = p256();
        KeyPair pck = p256();
        tcbSigning = p256();
        rootCert = cert("CN=Intel SGX Root CA", "CN=Intel SGX Root CA", root.getPublic(), root.getPrivate(), 1, false);
        X509Certificate caCert = cert("CN=Intel SGX Root CA", "CN=Intel SGX PCK Platform CA", ca.getPublic(), root.getPrivate(), 2, false);
        X509Certificate pckCert = cert("CN=Intel SGX PCK Platform CA", "CN=Intel SGX PCK Certificate", pck.getPublic(), ca.getPrivate(), 3, true);
        signingCert = cert("CN=Intel SGX Root CA", "CN=Intel SGX TCB Signing", tcbSigning.getPublic(), root.getPrivate(), 4, false);
        quote = sgxQuote(p256(), pck.getPrivate(), List.of(pckCert, caCert, rootCert));
        verifier = new DcapEvidenceVerifier(Platform.SGX, rootCert);
    }

    String tcbInfo(String fmspc, String pceId, String status) {
        StringBuilder comps = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            comps.append(i > 0 ? "," : "").append("{\"svn\":5}");
        }
        return "{\"id\":\"SGX\",\"version\":3,\"issueDate\":\"2026-05-01T00:00:00Z\",\"nextUpdate\":\"2026-07-01T00:00:00Z\","
                + "\"fmspc\":\"" + fmspc + "\",\"pceId\":\"" + pceId + "\",\"tcbType\":0,\"tcbEvaluationDataNumber\":17,"
                + "\"tcbLevels\":[{\"tcb\":{\"sgxtcbcomponents\":[" + comps + "],\"pcesvn\":13},\"tcbDate\":\"2026-01-01T00:00:00Z\","
                + "\"tcbStatus\":\"" + status + "\",\"advisoryIDs\":[\"INTEL-SA-99999\"]}]}";
    }

    String qeIdentity(String mrsigner) {
        return "{\"id\":\"QE\",\"version\":2,\"issueDate\":\"2026-05-01T00:00:00Z\",\"nextUpdate\":\"2026-07-01T00:00:00Z\","
                + "\"tcbEvaluationDataNumber\":17,\"miscselect\":\"00000000\",\"miscselectMask\":\"FFFFFFFF\","
                + "\"attributes\":\"00000000000000000000000000000000\",\"attributesMask\":\"FBFFFFFFFFFFFFFF0000000000000000\","
                + "\"mrsigner\":\"" + mrsigner + "\",\"isvprodid\":0,\"tcbLevels\":[{\"tcb\":{\"isvsvn\":0},"
                + "\"tcbDate\":\"2026-01-01T00:00:00Z\",\"tcbStatus\":\"UpToDate\"}]}";
    }

    byte[] signed(String field, String body, KeyPair key) throws Exception {
        String sig = HexFormat.of().formatHex(sign(key.getPrivate(), body.getBytes(StandardCharsets.UTF_8)));
        return ("{\"" + field + "\":" + body + ",\"signature\":\"" + sig + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    Claims verify(byte[]... collateral) throws Exception {
        List<byte[]> col = new java.util.ArrayList<>(List.of(signingCert.getEncoded()));
        col.addAll(List.of(collateral));
        return verifier.verify(quote, new VerificationOptions(RevokedPckTest.AT, col));
    }

    @Test
    void validCollateralGivesTheLevelsStatusAndAdvisories() throws Exception {
        Claims c = verify(signed("tcbInfo", tcbInfo("00A067110000", "0000", "SWHardeningNeeded"), tcbSigning),
                signed("enclaveIdentity", qeIdentity("00".repeat(32)), tcbSigning));
        assertThat(c.byName()).containsEntry("tcb_status", "SWHardeningNeeded").containsEntry("advisory_ids", "INTEL-SA-99999")
                .containsEntry("qe_identity", "QE isvsvn 0: UpToDate");
    }

    @Test
    void tcbInfoForAnotherPceIdIsRefused() {
        assertThatThrownBy(() -> verify(signed("tcbInfo", tcbInfo("00A067110000", "0001", "UpToDate"), tcbSigning)))
                .hasMessageContaining("TCB Info pceId is 0001, expected 0000");
    }

    @Test
    void tcbInfoForAnotherFmspcIsRefused() {
        assertThatThrownBy(() -> verify(signed("tcbInfo", tcbInfo("90C06F000000", "0000", "UpToDate"), tcbSigning)))
                .hasMessageContaining("expected SGX TCB Info for the PCK's FMSPC 00a067110000");
    }

    @Test
    void tcbInfoEditedAfterSigningIsRefused() throws Exception {
        byte[] good = signed("tcbInfo", tcbInfo("00A067110000", "0000", "OutOfDate"), tcbSigning);
        byte[] edited = new String(good, StandardCharsets.UTF_8).replace("OutOfDate", "UpToDate").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> verify(edited)).hasMessageContaining("TCB Info signature is invalid");
    }

    @Test
    void tcbInfoSignedByAKeyIntelDidNotCertifyIsRefused() throws Exception {
        KeyPair rogue = p256();
        X509Certificate rogueCert = cert("CN=Intel SGX Root CA", "CN=Intel SGX TCB Signing", rogue.getPublic(), rogue.getPrivate(), 9, false);
        byte[] info = signed("tcbInfo", tcbInfo("00A067110000", "0000", "UpToDate"), rogue);
        assertThatThrownBy(() -> verifier.verify(quote, new VerificationOptions(RevokedPckTest.AT, List.of(rogueCert.getEncoded(), info))))
                .hasMessageContaining("TCB signing certificate is not signed by the pinned Intel SGX Root CA");
    }

    @Test
    void qeIdentityOfAnotherSignerIsRefused() {
        assertThatThrownBy(() -> verify(signed("tcbInfo", tcbInfo("00A067110000", "0000", "UpToDate"), tcbSigning),
                signed("enclaveIdentity", qeIdentity("AB".repeat(32)), tcbSigning)))
                .hasMessageContaining("QE MRSIGNER is " + "00".repeat(32));
    }

    @Test
    void collateralOutsideItsValidityWindowIsRefused() {
        assertThatThrownBy(() -> verifier.verify(quote, new VerificationOptions(java.time.Instant.parse("2026-08-01T00:00:00Z"),
                List.of(signingCert.getEncoded(), signed("tcbInfo", tcbInfo("00A067110000", "0000", "UpToDate"), tcbSigning)))))
                .hasMessageContaining("validity at 2026-08-01");
    }
}
