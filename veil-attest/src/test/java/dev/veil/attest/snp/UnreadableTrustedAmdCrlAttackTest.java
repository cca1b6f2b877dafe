package dev.veil.attest.snp;

import static dev.veil.attest.snp.TestAmdPki.ARK_DN;
import static dev.veil.attest.snp.TestAmdPki.ARK_KEY;
import static dev.veil.attest.snp.TestAmdPki.ASK;
import static dev.veil.attest.snp.TestAmdPki.AT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.VerificationOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The verifier's own copy of AMD's CRL takes precedence over the host's. A trusted blob the reader skipped because it
 * could not read it (a PEM bundle of the chain and the CRL, a byte order mark, hex as some services serve it) used to
 * look like "no trusted CRL", so a hostile host's older list, genuine and still current but from before AMD revoked
 * the ASK, decided instead. The same attack was closed for Intel's CRLs (dcap.UnreadableTrustedCollateralTest); here
 * it is shown on AMD's.
 */
class UnreadableTrustedAmdCrlAttackTest {
    private static final byte[] VCEK = new TestAmdPki.Vcek().der();
    private static final byte[] REPORT = TestAmdPki.report();
    private static final byte[] REVOKING_ASK = TestAmdPki.arkCrl(List.of(ASK.getSerialNumber()), List.of());
    /** What the host sends: genuine, current, and issued before the ASK was revoked. */
    private static final byte[] OLDER_CLEAN = TestAmdPki.crl(ARK_DN, ARK_KEY.getPrivate(), AT.minusSeconds(86400 * 5),
            AT.plusSeconds(86400 * 2), List.of(), List.of());

    private static void verify(byte[] trustedCrl) throws Exception {
        List<byte[]> trusted = new ArrayList<>(List.of(trustedCrl, VCEK));
        TestAmdPki.verifier().verify(REPORT, new VerificationOptions(AT, trusted, List.of(OLDER_CLEAN)));
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder().encodeToString(der) + "\n-----END " + label + "-----\n";
    }

    @Test
    void trustedPemBundleOfTheChainAndTheCrlDoesNotHandRevocationToTheHost() throws Exception {
        byte[] bundle = (pem("CERTIFICATE", ASK.getEncoded()) + pem("X509 CRL", REVOKING_ASK)).getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> verify(bundle)).hasMessageContaining("ASK (SEV-Milan) certificate is revoked by AMD");
    }

    @Test
    void trustedCrlWithAByteOrderMarkDoesNotHandRevocationToTheHost() {
        byte[] text = pem("X509 CRL", REVOKING_ASK).getBytes(StandardCharsets.UTF_8);
        byte[] withBom = new byte[text.length + 3];
        withBom[0] = (byte) 0xEF;
        withBom[1] = (byte) 0xBB;
        withBom[2] = (byte) 0xBF;
        System.arraycopy(text, 0, withBom, 3, text.length);
        assertThatThrownBy(() -> verify(withBom)).hasMessageContaining("ASK (SEV-Milan) certificate is revoked by AMD");
    }

    @Test
    void trustedCrlInHexIsRefusedNotSkipped() {
        byte[] hex = HexFormat.of().formatHex(REVOKING_ASK).getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> verify(hex)).hasMessageContaining("verifier's collateral item 1 of 2 is hex text");
    }

    @Test
    void trustedCrlInBareBase64IsRefusedNotSkipped() {
        byte[] base64 = Base64.getMimeEncoder().encode(REVOKING_ASK);
        assertThatThrownBy(() -> verify(base64)).hasMessageContaining("verifier's collateral item 1 of 2 is not a certificate or CRL");
    }

    /** A directory of collateral may hold other files (veil attest verify --collateral DIR): those are passed by. */
    @Test
    void unrelatedTrustedFileIsPassedBy() throws Exception {
        List<byte[]> trusted = List.of("notes: fetched from KDS on Monday".getBytes(StandardCharsets.US_ASCII), REPORT, VCEK);
        assertThat(TestAmdPki.verifier().verify(REPORT, new VerificationOptions(AT, trusted, List.of())).byName())
                .containsEntry("collateral_missing", "amd_crl");
    }

    @Test
    void readableTrustedCrlStillDecides() throws Exception {
        assertThatThrownBy(() -> verify(REVOKING_ASK)).hasMessageContaining("is revoked by AMD");
        List<byte[]> trusted = List.of(TestAmdPki.arkCrl(List.of(), List.of()), VCEK);
        assertThat(TestAmdPki.verifier().verify(REPORT, new VerificationOptions(AT, trusted, List.of())).byName())
                .containsEntry("collateral_missing", "");
    }
}
