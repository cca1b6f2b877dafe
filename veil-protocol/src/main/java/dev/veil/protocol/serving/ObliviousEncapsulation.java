package dev.veil.protocol.serving;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The labels and framing by which Veil follows Oblivious HTTP's request and response encapsulation (RFC 9458 §4.3,
 * §4.4). Where OHTTP puts its key configuration header in HPKE's {@code info}, Veil puts the serving contract's hash:
 * the key itself is the attested instance key the data provider checked against that contract.
 */
final class ObliviousEncapsulation {
    /** RFC 9458's "message/bhttp request", Veil's own. */
    static final String REQUEST_LABEL = "veil serving request v1";
    /** RFC 9458's "message/bhttp response": the exporter context of the response secret. */
    static final String RESPONSE_LABEL = "veil serving response v1";
    /** Every key-wrap suite seals with AES-256-GCM: Nk = 32, Nn = 12. */
    static final int AEAD_KEY_LENGTH = 32;
    static final int AEAD_NONCE_LENGTH = 12;

    private ObliviousEncapsulation() {
    }

    /** HPKE info: the label, a zero byte, then the header (RFC 9458 §4.3: {@code "message/bhttp request" ‖ 0 ‖ hdr}). */
    static byte[] info(String label, byte[] header) {
        ByteArrayOutputStream info = new ByteArrayOutputStream();
        info.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
        info.write(0);
        info.writeBytes(header);
        return info.toByteArray();
    }

    /** Veil's info for a request under the serving contract of hash {@code contractHash}. */
    static byte[] requestInfo(byte[] contractHash) {
        return info(REQUEST_LABEL, contractHash);
    }

    static byte[] responseExportContext() {
        return RESPONSE_LABEL.getBytes(StandardCharsets.US_ASCII);
    }
}
