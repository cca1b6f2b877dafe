package dev.veil.attest.dcap;

import static dev.veil.attest.dcap.UnreadableTrustedCollateralTest.concat;
import static dev.veil.attest.dcap.UnreadableTrustedCollateralTest.pem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Platform;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Finding 1 of the issue 6 review: every collateral blob, from either source, is read to its last byte or refused
 * with one line naming the blob, so no kind of collateral can vanish and hand its decision to the other source.
 */
class CollateralBlobTest {
    private static final byte[] UTF8_BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    TestPki pki;
    byte[] quote;

    @BeforeEach
    void setUp() throws Exception {
        pki = new TestPki();
        quote = pki.quote().build();
    }

    byte[] tcbInfo(String status, int evaluationNumber) throws Exception {
        return pki.signed("tcbInfo", TestPki.sgxTcbInfo(status, evaluationNumber, "2026-05-01T00:00:00Z"));
    }

    /** A UTF-8 byte order mark is outside the signed bytes: the operator's copy is read and used, not dropped. */
    @Test
    void byteOrderMarkBeforeATrustedTcbInfoIsDroppedAndTheCopyUsed() throws Exception {
        byte[] mine = concat(UTF8_BOM, tcbInfo("OutOfDate", 18));
        assertThat(pki.verify(Platform.SGX, quote, List.of(mine), List.of(tcbInfo("UpToDate", 17))).byName())
                .containsEntry("tcb_status", "OutOfDate");
    }

    @Test
    void unreadableTrustedBlobIsRefusedNamingItAndWhy() throws Exception {
        byte[] crl = IntelStyleCrl.of(TestPki.CA, pki.ca);
        byte[] utf16 = new String(tcbInfo("OutOfDate", 18), StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_16);
        assertThatThrownBy(() -> pki.verify(Platform.SGX, quote, List.of(utf16), List.of()))
                .hasMessageContaining("verifier's collateral item 2 of 2 is UTF-16 text (save it as UTF-8)");
        assertThatThrownBy(() -> pki.verify(Platform.SGX, quote, List.of(java.util.HexFormat.of().formatHex(crl).getBytes(StandardCharsets.US_ASCII)),
                List.of())).hasMessageContaining("verifier's collateral item 2 of 2 is hex text (decode it to DER first)");
        assertThatThrownBy(() -> pki.verify(Platform.SGX, quote, List.of(Arrays.copyOf(crl, crl.length - 1)), List.of()))
                .hasMessageContaining("verifier's collateral item 2 of 2 is DER cut short");
        assertThatThrownBy(() -> pki.verify(Platform.SGX, quote, List.of("notes".getBytes(StandardCharsets.US_ASCII)), List.of()))
                .hasMessageContaining("verifier's collateral item 2 of 2 is not a PCS response, certificate or CRL");
        assertThatThrownBy(() -> pki.verify(Platform.SGX, quote, List.of(new byte[0]), List.of()))
                .hasMessageContaining("verifier's collateral item 2 of 2 is empty");
    }

    /** The host's unreadable blob is refused too: it might have been the genuine CRL that proves a revocation. */
    @Test
    void unreadableHostBlobIsRefusedNotIgnored() throws Exception {
        byte[] revoking = IntelStyleCrl.of(TestPki.CA, pki.ca, pki.pckCert.getSerialNumber());
        assertThatThrownBy(() -> pki.verify(Platform.SGX, quote, List.of(), List.of(Arrays.copyOf(revoking, revoking.length - 10))))
                .hasMessageContaining("collateral from the evidence's host item 1 of 1 is DER cut short");
    }

    @Test
    void pemBundleIsReadBlockByBlockAndEveryBlockCounts() throws Exception {
        byte[] bundle = concat(pem("CERTIFICATE", pki.signingCert.getEncoded()), pem("X509 CRL", IntelStyleCrl.of(TestPki.CA, pki.ca)),
                pem("X509 CRL", IntelStyleCrl.of(TestPki.ROOT, pki.root)));
        assertThat(pki.verify(Platform.SGX, quote, List.of(bundle, tcbInfo("UpToDate", 17)), List.of()).byName())
                .containsEntry("pck_crl", "not revoked (Intel SGX PCK Platform CA CRL, Intel SGX Root CA CRL)");
        byte[] revoking = concat(pem("CERTIFICATE", pki.caCert.getEncoded()), pem("X509 CRL", IntelStyleCrl.of(TestPki.CA, pki.ca,
                pki.pckCert.getSerialNumber())));
        assertThatThrownBy(() -> pki.verify(Platform.SGX, quote, List.of(revoking), List.of())).hasMessageContaining("revoked");
    }

    @Test
    void pemWithAnythingButCertificatesAndCrlsIsRefused() throws Exception {
        byte[] cert = pem("CERTIFICATE", pki.signingCert.getEncoded());
        for (var bad : List.of(
                List.of(concat("Certificate:\n  Data: ...\n".getBytes(StandardCharsets.US_ASCII), cert), "text or a damaged block before block 1"),
                List.of(concat(cert, pem("PUBLIC KEY", pki.pck.getPublic().getEncoded())), "block 2 of type 'PUBLIC KEY'"),
                List.of(pem("X509 CRL", pki.signingCert.getEncoded()), "labelled X509 CRL that does not hold exactly one of that kind"),
                List.of(concat(cert, "-----BEGIN CERTIFICATE-----\nMIIB".getBytes(StandardCharsets.US_ASCII)), "text or a damaged block after block 1"),
                List.of(new String(cert, StandardCharsets.US_ASCII).replace("M", "!").getBytes(StandardCharsets.US_ASCII), "PEM without a complete block"))) {
            assertThatThrownBy(() -> pki.verify(Platform.SGX, quote, List.of((byte[]) bad.get(0)), List.of())).as((String) bad.get(1))
                    .hasMessageContaining((String) bad.get(1));
        }
    }

    @Test
    void concatenatedDerIsReadWholeAndTrailingBytesAreRefused() throws Exception {
        byte[] chain = concat(pki.signingCert.getEncoded(), IntelStyleCrl.of(TestPki.CA, pki.ca), IntelStyleCrl.of(TestPki.ROOT, pki.root));
        assertThat(pki.verify(Platform.SGX, quote, List.of(chain), List.of()).byName()).containsEntry("collateral_missing", "tcb_info,qe_identity");
        assertThatThrownBy(() -> pki.verify(Platform.SGX, quote, List.of(concat(chain, new byte[] {0})), List.of()))
                .hasMessageContaining("data that is not a DER certificate or CRL at byte " + chain.length);
    }
}
