package dev.veil.protocol.keyrelease;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import org.bouncycastle.crypto.hpke.HPKE;

/**
 * HPKE (RFC 9180) suites used to wrap asset keys and result keys. The hybrid suite keeps long-lived model IP safe
 * against a future quantum adversary recording today's traffic; classic X25519 remains for interoperability.
 */
public enum KeyWrapSuite {
    /** ML-KEM-768 + X25519 hybrid KEM, HKDF-SHA256, AES-256-GCM. The default. */
    MLKEM768_X25519("MLKEM768-X25519", HPKE.kem_MLKEM768_X25519),
    /** DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM. */
    X25519("X25519", HPKE.kem_X25519_SHA256);

    private final String id;
    private final short kem;

    KeyWrapSuite(String id, short kem) {
        this.id = id;
        this.kem = kem;
    }

    @JsonValue
    public String id() {
        return id;
    }

    HPKE hpke() {
        return new HPKE(HPKE.mode_base, kem, HPKE.kdf_HKDF_SHA256, HPKE.aead_AES_GCM256);
    }

    @JsonCreator
    public static KeyWrapSuite fromId(String id) {
        for (KeyWrapSuite s : values()) {
            if (s.id.equalsIgnoreCase(id)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown key-wrap suite '" + id + "', expected MLKEM768-X25519 or X25519");
    }
}
