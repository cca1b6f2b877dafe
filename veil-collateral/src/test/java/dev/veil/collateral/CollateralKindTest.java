package dev.veil.collateral;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Reading each kind's nextUpdate from the real Intel collateral in testdata, and refusing what is not that kind. */
class CollateralKindTest {
    static final Path COL = Path.of(System.getProperty("veil.testdata.dir"), "vectors", "tdx", "dcapqvl-tdx_quote.collateral");

    @Test
    void realIntelCollateralGivesItsOwnNextUpdate() throws Exception {
        assertThat(CollateralKind.TCB_INFO.read(Files.readAllBytes(COL.resolve("tcbinfo_response.json"))).nextUpdate())
                .isEqualTo(Instant.parse("2025-07-19T10:16:03Z"));
        assertThat(CollateralKind.QE_IDENTITY.read(Files.readAllBytes(COL.resolve("qeidentity_response.json"))).nextUpdate())
                .isEqualTo(Instant.parse("2025-07-19T10:32:27Z"));
        byte[] crl = Files.readAllBytes(COL.resolve("pck_crl.der"));
        CollateralKind.Current c = CollateralKind.PCK_CRL.read(crl);
        assertThat(c.body()).isEqualTo(crl);
        assertThat(c.nextUpdate()).isAfter(Instant.parse("2025-07-01T00:00:00Z"));
    }

    @Test
    void hexEncodedCrlFromAPccsIsShippedAsDer() throws Exception {
        byte[] der = Files.readAllBytes(COL.resolve("root_ca_crl.der"));
        byte[] hex = HexFormat.of().formatHex(der).getBytes(StandardCharsets.US_ASCII);
        assertThat(CollateralKind.ROOT_CA_CRL.read(hex).body()).isEqualTo(der);
    }

    @Test
    void answerOfAnotherKindIsRefused() throws Exception {
        byte[] tcbInfo = Files.readAllBytes(COL.resolve("tcbinfo_response.json"));
        assertThatThrownBy(() -> CollateralKind.QE_IDENTITY.read(tcbInfo)).hasMessageContaining("not a QE Identity");
        assertThatThrownBy(() -> CollateralKind.PCK_CRL.read(tcbInfo)).hasMessageContaining("not a PCK CRL");
        assertThatThrownBy(() -> CollateralKind.TCB_INFO.read("<html>login</html>".getBytes(StandardCharsets.US_ASCII)))
                .hasMessageContaining("not JSON");
        assertThatThrownBy(() -> CollateralKind.ENDORSEMENT_KEY.read(Files.readAllBytes(COL.resolve("pck_crl.der"))))
                .hasMessageContaining("not an X.509 certificate");
    }

    @Test
    void duplicateKeyOrTrailingDataCannotChooseTheCacheLifetime() {
        // a later duplicate "nextUpdate" (or a second document) must not stretch how long a copy is reused
        String dup = "{\"tcbInfo\":{\"nextUpdate\":\"2025-01-01T00:00:00Z\",\"nextUpdate\":\"2099-01-01T00:00:00Z\"},\"signature\":\"00\"}";
        assertThatThrownBy(() -> CollateralKind.TCB_INFO.read(dup.getBytes(StandardCharsets.UTF_8))).hasMessageContaining("not JSON");
        String trailing = "{\"tcbInfo\":{\"nextUpdate\":\"2025-01-01T00:00:00Z\"}} {\"x\":1}";
        assertThatThrownBy(() -> CollateralKind.TCB_INFO.read(trailing.getBytes(StandardCharsets.UTF_8))).hasMessageContaining("not JSON");
    }
}
