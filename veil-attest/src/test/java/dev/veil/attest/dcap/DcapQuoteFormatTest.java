package dev.veil.attest.dcap;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Vectors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * The quote layout rules of Intel's QVL (Quote::parse and Quote::validate) on real quotes with one field changed:
 * each is refused by the parser, naming the field, before any signature is looked at.
 */
class DcapQuoteFormatTest {
    static byte[] tdxV4() {
        return Vectors.read("tdx/dcapqvl-tdx_quote.bin");
    }

    static byte[] tdxV5() {
        return Vectors.read("tdx/dcapqvl-tdx_quote_outdated.bin");
    }

    static byte[] with(byte[] q, int offset, int value, int size) {
        byte[] t = q.clone();
        ByteBuffer b = ByteBuffer.wrap(t).order(ByteOrder.LITTLE_ENDIAN);
        if (size == 2) {
            b.putShort(offset, (short) value);
        } else {
            b.putInt(offset, value);
        }
        return t;
    }

    @Test
    void unknownQuoteVersionIsRefused() {
        assertThatThrownBy(() -> DcapQuote.parse(with(tdxV4(), 0, 6, 2))).hasMessageContaining("quote version is 6, expected 3, 4 or 5");
    }

    @Test
    void attestationKeyOtherThanP256IsRefused() {
        assertThatThrownBy(() -> DcapQuote.parse(with(tdxV4(), 2, 3, 2)))
                .hasMessageContaining("quote attestation key type is 3, expected 2 (ECDSA-256 with P-256)");
    }

    @Test
    void unknownTeeTypeIsRefused() {
        assertThatThrownBy(() -> DcapQuote.parse(with(tdxV4(), 4, 0x82, 4))).hasMessageContaining("quote TEE type is 0x00000082");
    }

    @Test
    void v5BodyTypeAndSizeAreChecked() {
        assertThatThrownBy(() -> DcapQuote.parse(with(tdxV5(), 48, 4, 2))).hasMessageContaining("quote v5 body type is 4");
        assertThatThrownBy(() -> DcapQuote.parse(with(tdxV5(), 50, 600, 4))).hasMessageContaining("quote v5 body size is 600, expected 648");
        assertThatThrownBy(() -> DcapQuote.parse(with(with(tdxV5(), 48, 1, 2), 50, 384, 4)))
                .hasMessageContaining("quote body is an SGX report, expected a body matching the header's TEE type");
    }

    @Test
    void signatureDataLengthMustAddUp() {
        int at = 48 + 584;
        int declared = ByteBuffer.wrap(tdxV4()).order(ByteOrder.LITTLE_ENDIAN).getInt(at);
        assertThatThrownBy(() -> DcapQuote.parse(with(tdxV4(), at, 1 << 20, 4))).hasMessageContaining("quote signature data length is 1048576");
        assertThatThrownBy(() -> DcapQuote.parse(with(tdxV4(), at, declared + 1, 4)))
                .hasMessageContaining("quote signature data length is " + (declared + 1));
    }

    @Test
    void qeCertificationDataLengthMustAddUp() {
        int at = 48 + 584 + 4 + 64 + 64 + 2;
        int declared = ByteBuffer.wrap(tdxV4()).order(ByteOrder.LITTLE_ENDIAN).getInt(at);
        assertThatThrownBy(() -> DcapQuote.parse(with(tdxV4(), at, declared - 1, 4)))
                .hasMessageContaining("quote QE certification data length is " + (declared - 1));
    }
}
