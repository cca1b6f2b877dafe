package dev.veil.protocol.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Properties;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.hpke.HPKE;
import org.bouncycastle.crypto.hpke.HPKEContext;
import org.bouncycastle.crypto.hpke.HPKEContextWithEncapsulation;
import org.junit.jupiter.api.Test;

/**
 * RFC 9458 Appendix A, step by step, with the RFC's labels, keys and fixed randomness (its ephemeral key and its
 * response nonce): the request's info, encapsulation and plaintext, the exported secret, the response's key, nonce
 * and encapsulated bytes must all equal the RFC's. The response half runs Veil's own {@link ResponseSecret} and the
 * info Veil's own {@link ObliviousEncapsulation#info}; production passes Veil's labels to the same code.
 */
class Rfc9458KnownAnswerTest {
    private static final HexFormat HEX = HexFormat.of();
    /** The RFC's suite: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM (Nk = 16, Nn = 12). */
    private static final HPKE RFC_SUITE = new HPKE(HPKE.mode_base, HPKE.kem_X25519_SHA256, HPKE.kdf_HKDF_SHA256, HPKE.aead_AES_GCM128);

    @Test
    void requestAndResponseEncapsulationMatchRfc9458AppendixA() throws Exception {
        Properties v = vectors();
        byte[] keyConfig = hex(v, "key_config");
        // key_id (1) | kem_id (2) | public key (32) | symmetric algorithms length (2) | first kdf_id (2) | first aead_id (2)
        // RFC 9458 §4.3: hdr = key_id | kem_id | kdf_id | aead_id of the chosen configuration (the first)
        byte[] hdr = concat(Arrays.copyOfRange(keyConfig, 0, 3), Arrays.copyOfRange(keyConfig, 37, 41));
        assertThat(Arrays.copyOfRange(keyConfig, 3, 35)).isEqualTo(hex(v, "pkR"));

        byte[] info = ObliviousEncapsulation.info("message/bhttp request", hdr);
        assertThat(HEX.formatHex(info)).isEqualTo(v.getProperty("info"));

        AsymmetricCipherKeyPair server = RFC_SUITE.deserializePrivateKey(hex(v, "skR"), hex(v, "pkR"));
        AsymmetricCipherKeyPair ephemeral = RFC_SUITE.deserializePrivateKey(hex(v, "skE"), hex(v, "pkE"));
        HPKEContextWithEncapsulation client = RFC_SUITE.setupBaseS(server.getPublic(), info, ephemeral);
        byte[] enc = client.getEncapsulation();
        assertThat(HEX.formatHex(enc)).isEqualTo(v.getProperty("pkE"));
        byte[] ct = client.seal(new byte[0], hex(v, "request"));
        assertThat(HEX.formatHex(concat(hdr, enc, ct))).isEqualTo(v.getProperty("encapsulated_request"));

        HPKEContext gateway = RFC_SUITE.setupBaseR(enc, server, info);
        assertThat(HEX.formatHex(gateway.open(new byte[0], ct))).isEqualTo(v.getProperty("request"));
        byte[] exportContext = "message/bhttp response".getBytes(StandardCharsets.US_ASCII);
        byte[] secret = gateway.export(exportContext, 16);
        assertThat(HEX.formatHex(secret)).isEqualTo(v.getProperty("secret"));

        ResponseSecret gatewaySide = new ResponseSecret(secret, enc, 16, 12);
        byte[] responseNonce = hex(v, "response_nonce");
        assertThat(gatewaySide.responseNonceLength()).isEqualTo(responseNonce.length);
        assertThat(HEX.formatHex(gatewaySide.derive(responseNonce, "key", 16))).isEqualTo(v.getProperty("aead_key"));
        assertThat(HEX.formatHex(gatewaySide.derive(responseNonce, "nonce", 12))).isEqualTo(v.getProperty("aead_nonce"));
        byte[] encapsulatedResponse = gatewaySide.seal(responseNonce, hex(v, "response"));
        assertThat(HEX.formatHex(encapsulatedResponse)).isEqualTo(v.getProperty("encapsulated_response"));

        ResponseSecret clientSide = new ResponseSecret(client.export(exportContext, 16), enc, 16, 12);
        assertThat(HEX.formatHex(clientSide.open(hex(v, "encapsulated_response")))).isEqualTo(v.getProperty("response"));
    }

    private static Properties vectors() throws Exception {
        Properties p = new Properties();
        try (InputStream in = Rfc9458KnownAnswerTest.class.getClassLoader().getResourceAsStream("kat/rfc9458-appendix-a.properties")) {
            assertThat(in).isNotNull();
            p.load(in);
        }
        return p;
    }

    private static byte[] hex(Properties v, String key) {
        return HEX.parseHex(v.getProperty(key));
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
