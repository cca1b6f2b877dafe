package dev.veil.attest.dcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Platform;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * TCB Info and QE Identity whose signature is valid (a test CA's) but whose content a strict reader must refuse:
 * ambiguous duplicates inside the signed bytes, unknown versions, ids that only a lenient comparison or a default
 * would accept, and required members left out. Each was accepted before collateral was read into typed records.
 */
class CollateralFormatTest {
    TestPki pki;
    byte[] quote;

    @BeforeEach
    void setUp() throws Exception {
        pki = new TestPki();
        quote = pki.quote().build();
    }

    void verifyWith(String tcbInfo) throws Exception {
        pki.verify(Platform.SGX, quote, List.of(pki.signed("tcbInfo", tcbInfo)), List.of());
    }

    static String sgx(String status) {
        return TestPki.sgxTcbInfo(status, 17, "2026-05-01T00:00:00Z");
    }

    @Test
    void theWellFormedTcbInfoVerifies() throws Exception {
        assertThat(pki.verify(Platform.SGX, quote, List.of(pki.signed("tcbInfo", sgx("OutOfDate"))), List.of()).byName())
                .containsEntry("tcb_status", "OutOfDate");
    }

    /** Signed bytes that say OutOfDate to a first-wins reader (Intel's QVL) and UpToDate to a last-wins one. */
    @Test
    void duplicateTcbStatusInASignedLevelIsRefused() {
        String ambiguous = sgx("OutOfDate").replace("\"tcbStatus\":\"OutOfDate\"", "\"tcbStatus\":\"OutOfDate\",\"tcbStatus\":\"UpToDate\"");
        assertThatThrownBy(() -> verifyWith(ambiguous))
                .hasMessageContaining("PCS response.tcbInfo.tcbLevels[0] is an object with a member name twice");
    }

    @Test
    void duplicateSvnInASignedComponentIsRefused() {
        String ambiguous = sgx("UpToDate").replaceFirst("\\{\"svn\":5}", "{\"svn\":9,\"svn\":5}");
        assertThatThrownBy(() -> verifyWith(ambiguous)).hasMessageContaining("sgxtcbcomponents[0] is an object with a member name twice");
    }

    @Test
    void unknownTcbInfoVersionIsRefused() {
        assertThatThrownBy(() -> verifyWith(sgx("UpToDate").replace("\"version\":3", "\"version\":4")))
                .hasMessageContaining("TCB Info version is 4, expected 3 (or 2, SGX only)");
    }

    /** Version 3 requires an id; it must not default to SGX. */
    @Test
    void tcbInfoWithoutIdIsNotTakenForSgx() {
        assertThatThrownBy(() -> verifyWith(sgx("UpToDate").replace("\"id\":\"SGX\",", "")))
                .hasMessageContaining("PCS response.tcbInfo.id is absent, expected a required member");
    }

    @Test
    void tcbInfoIdIsComparedExactly() {
        assertThatThrownBy(() -> verifyWith(sgx("UpToDate").replace("\"id\":\"SGX\"", "\"id\":\"sgx\"")))
                .hasMessageContaining("TCB Info id is 'sgx', expected SGX or TDX");
    }

    @Test
    void sgxTcbInfoCarryingATdxModuleIsRefused() {
        String withModule = sgx("UpToDate").replace("\"tcbLevels\":", "\"tdxModule\":{},\"tcbLevels\":");
        assertThatThrownBy(() -> verifyWith(withModule)).hasMessageContaining("SGX TCB Info tdxModule is present");
    }

    /** A level without a status must not become a status of "" (or any default). */
    @Test
    void tcbLevelWithoutStatusIsRefusedNotDefaulted() {
        assertThatThrownBy(() -> verifyWith(sgx("UpToDate").replace(",\"tcbStatus\":\"UpToDate\"", "")))
                .hasMessageContaining("PCS response.tcbInfo.tcbLevels[0].tcbStatus is absent");
    }

    @Test
    void tcbStatusIntelDoesNotDefineIsRefused() {
        assertThatThrownBy(() -> verifyWith(sgx("Fine")))
                .hasMessageContaining("PCS response.tcbInfo.tcbLevels[0].tcbStatus is 'Fine', expected one of Intel's TCB statuses");
    }

    /** A string where Intel writes a number is not read as the number. */
    @Test
    void componentSvnWrittenAsAStringIsRefused() {
        assertThatThrownBy(() -> verifyWith(sgx("UpToDate").replaceFirst("\\{\"svn\":5}", "{\"svn\":\"5\"}")))
                .hasMessageContaining("sgxtcbcomponents[0].svn is a string, expected an integer from 0 to 255");
    }

    @Test
    void levelWithFifteenComponentsIsRefused() {
        assertThatThrownBy(() -> verifyWith(sgx("UpToDate").replaceFirst("\\{\"svn\":5},", "")))
                .hasMessageContaining("sgxtcbcomponents is 15 components, expected 16 components");
    }

    @Test
    void tcbTypeOtherThanZeroIsRefused() {
        assertThatThrownBy(() -> verifyWith(sgx("UpToDate").replace("\"tcbType\":0", "\"tcbType\":1")))
                .hasMessageContaining("TCB Info tcbType is 1, expected 0");
    }

    @Test
    void unknownQeIdentityVersionIsRefused() {
        String v1 = TestPki.qeIdentity("QE", 17, "UpToDate").replace("\"version\":2", "\"version\":1");
        assertThatThrownBy(() -> pki.verify(Platform.SGX, quote, List.of(pki.signed("enclaveIdentity", v1)), List.of()))
                .hasMessageContaining("QE Identity version is 1, expected 2");
    }

    @Test
    void qeIdentityIdIsComparedExactly() {
        String lower = TestPki.qeIdentity("qe", 17, "UpToDate");
        assertThatThrownBy(() -> pki.verify(Platform.SGX, quote, List.of(pki.signed("enclaveIdentity", lower)), List.of()))
                .hasMessageContaining("QE Identity id is 'qe', expected QE, TD_QE or QVE");
    }

    /** A QE Identity without a mask must not be read as "no bits checked". */
    @Test
    void qeIdentityWithoutAttributesMaskIsRefusedNotDefaulted() {
        String noMask = TestPki.qeIdentity("QE", 17, "UpToDate").replace(",\"attributesMask\":\"FBFFFFFFFFFFFFFF0000000000000000\"", "");
        assertThatThrownBy(() -> pki.verify(Platform.SGX, quote, List.of(pki.signed("enclaveIdentity", noMask)), List.of()))
                .hasMessageContaining("PCS response.enclaveIdentity.attributesMask is absent");
    }

    @Test
    void responseWithBothKindsOrNeitherIsRefused() {
        assertThatThrownBy(() -> verifyWith(sgx("UpToDate") + ",\"enclaveIdentity\":{}"))
                .hasMessageContaining("PCS response members is tcbInfo, enclaveIdentity, signature");
        assertThatThrownBy(() -> pki.verify(Platform.SGX, quote, List.of("{\"signature\":\"00\"}".getBytes()), List.of()))
                .hasMessageContaining("PCS response members is signature, expected exactly one of tcbInfo or enclaveIdentity");
    }

    @Test
    void signatureOfTheWrongLengthIsRefused() {
        assertThatThrownBy(() -> pki.verify(Platform.SGX, quote, List.of(("{\"tcbInfo\":" + sgx("UpToDate") + ",\"signature\":\"abcd\"}")
                .getBytes()), List.of())).hasMessageContaining("PCS response.signature is 'abcd', expected 64 bytes in hex");
    }
}
