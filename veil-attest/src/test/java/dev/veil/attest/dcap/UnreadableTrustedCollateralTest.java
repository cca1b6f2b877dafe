package dev.veil.attest.dcap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Review of issue 6 item 2 (attack): the verifier's own collateral takes precedence only when it is recognised. A
 * trusted blob the verifier cannot read (a UTF-8 byte order mark before a PCS response, UTF-16 text, a CRL as hex or
 * in one PEM file with the signing chain) is dropped without a word, and the host's genuine but older copy then
 * decides the status or the revocation. "A malformed one is refused, never skipped" (IntelCollateral) must hold for
 * every trusted blob, not only for blobs whose first byte is '{'.
 */
class UnreadableTrustedCollateralTest {
    private static final byte[] UTF8_BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    TestPki pki;
    byte[] quote;

    @BeforeEach
    void setUp() throws Exception {
        pki = new TestPki();
        quote = pki.quote().build();
    }

    @FunctionalInterface
    interface Verification {
        Claims run() throws Exception;
    }

    /** "refused" when the verifier refuses, else the TCB status it reports. */
    static String outcome(Verification v) throws Exception {
        try {
            return v.run().byName().get("tcb_status");
        } catch (AttestationException e) {
            return "refused";
        }
    }

    byte[] tcbInfo(String status, int evaluationNumber) throws Exception {
        return pki.signed("tcbInfo", TestPki.sgxTcbInfo(status, evaluationNumber, "2026-05-01T00:00:00Z"));
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    static byte[] pem(String label, byte[] der) {
        return ("-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder().encodeToString(der) + "\n-----END " + label + "-----\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** The operator's TCB Info saved with a BOM (Windows tools add one); the host sends an older, better-looking copy. */
    @Test
    void trustedTcbInfoWithAByteOrderMarkDoesNotHandTheStatusToTheHost() throws Exception {
        byte[] mine = concat(UTF8_BOM, tcbInfo("OutOfDate", 18));
        byte[] hosts = tcbInfo("UpToDate", 17);
        assertThat(outcome(() -> pki.verify(Platform.SGX, quote, List.of(mine), List.of(hosts)))).isIn("refused", "OutOfDate");
    }

    @Test
    void trustedTcbInfoInUtf16DoesNotHandTheStatusToTheHost() throws Exception {
        byte[] mine = new String(tcbInfo("OutOfDate", 18), StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_16);
        byte[] hosts = tcbInfo("UpToDate", 17);
        assertThat(outcome(() -> pki.verify(Platform.SGX, quote, List.of(mine), List.of(hosts)))).isIn("refused", "OutOfDate");
    }

    /**
     * The operator's current PCK CRL lists the PCK, but is stored as hex text (as a PCCS and dcap-qvl's collateral
     * files carry it) or was cut short on download; the host sends a genuine CRL from before the revocation.
     */
    @Test
    void trustedPckCrlThatCannotBeReadDoesNotHandRevocationToTheHost() throws Exception {
        byte[] revoking = IntelStyleCrl.of(TestPki.CA, pki.ca, pki.pckCert.getSerialNumber());
        byte[] hosts = IntelStyleCrl.of(TestPki.CA, pki.ca);
        for (byte[] mine : List.of(HexFormat.of().formatHex(revoking).getBytes(StandardCharsets.US_ASCII),
                Arrays.copyOf(revoking, revoking.length - 10))) {
            assertThat(outcome(() -> pki.verify(Platform.SGX, quote, List.of(mine), List.of(hosts)))).isEqualTo("refused");
        }
    }

    /** One PEM file holding the TCB signing certificate and the PCK CRL that revokes the PCK: the CRL must not vanish. */
    @Test
    void trustedPemBundleWithACrlDoesNotHandRevocationToTheHost() throws Exception {
        byte[] bundle = concat(pem("CERTIFICATE", pki.signingCert.getEncoded()), pem("X509 CRL", IntelStyleCrl.of(TestPki.CA, pki.ca, pki.pckCert.getSerialNumber())));
        byte[] hosts = IntelStyleCrl.of(TestPki.CA, pki.ca);
        assertThat(outcome(() -> pki.verify(Platform.SGX, quote, List.of(bundle), List.of(hosts)))).isEqualTo("refused");
    }
}
