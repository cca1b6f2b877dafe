package dev.veil.attest.dcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The QE report against a QE Identity signed by a test PKI (QVL EnclaveReportVerifier): the QE report here is all
 * zeros, so each identity below differs from a matching one in one field.
 */
class QeIdentityCheckTest {
    TestPki pki;
    byte[] quote;

    @BeforeEach
    void setUp() throws Exception {
        pki = new TestPki();
        quote = pki.quote().build();
    }

    Claims verify(String identity) throws Exception {
        return pki.verify(Platform.SGX, quote, List.of(pki.signed("enclaveIdentity", identity)), List.of());
    }

    static String matching() {
        return TestPki.qeIdentity("QE", 17, "UpToDate");
    }

    @Test
    void matchingIdentityGivesItsLevel() throws Exception {
        assertThat(verify(matching()).byName()).containsEntry("qe_identity", "QE isvsvn 0: UpToDate");
    }

    @Test
    void otherProductIdIsRefused() {
        assertThatThrownBy(() -> verify(matching().replace("\"isvprodid\":0", "\"isvprodid\":1"))).hasMessageContaining("QE ISVPRODID is 0, expected 1");
    }

    @Test
    void miscselectOutsideTheIdentityIsRefused() {
        assertThatThrownBy(() -> verify(matching().replace("\"miscselect\":\"00000000\"", "\"miscselect\":\"01000000\"")))
                .hasMessageContaining("QE MISCSELECT is 00000000, expected 01000000 under mask ffffffff");
    }

    @Test
    void attributesOutsideTheIdentityAreRefused() {
        assertThatThrownBy(() -> verify(matching().replace("\"attributes\":\"00000000000000000000000000000000\"",
                "\"attributes\":\"01000000000000000000000000000000\""))).hasMessageContaining("QE ATTRIBUTES is " + "00".repeat(16));
    }

    @Test
    void qeBelowEveryLevelIsNotSupported() throws Exception {
        Claims c = pki.verify(Platform.SGX, quote, List.of(pki.signed("tcbInfo", TestPki.sgxTcbInfo("UpToDate", 17, "2026-05-01T00:00:00Z")),
                pki.signed("enclaveIdentity", matching().replace("\"isvsvn\":0", "\"isvsvn\":1"))), List.of());
        assertThat(c.byName()).containsEntry("tcb_status", "TcbNotSupported");
    }

    @Test
    void revokedQeRevokesThePlatform() throws Exception {
        Claims c = pki.verify(Platform.SGX, quote, List.of(pki.signed("tcbInfo", TestPki.sgxTcbInfo("UpToDate", 17, "2026-05-01T00:00:00Z")),
                pki.signed("enclaveIdentity", TestPki.qeIdentity("QE", 17, "Revoked"))), List.of());
        assertThat(c.byName()).containsEntry("tcb_status", "Revoked");
    }

    @Test
    void qeIdentityEditedAfterSigningIsRefused() throws Exception {
        byte[] good = pki.signed("enclaveIdentity", TestPki.qeIdentity("QE", 17, "OutOfDate"));
        byte[] edited = new String(good, StandardCharsets.UTF_8).replace("OutOfDate", "UpToDate").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> pki.verify(Platform.SGX, quote, List.of(edited), List.of())).hasMessageContaining("QE Identity signature is invalid");
    }
}
