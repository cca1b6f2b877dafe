package dev.veil.protocol.fuzz;

import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.NamedParameterSpec;
import java.util.HexFormat;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * The genuine surroundings of the transparency-log target: one enclave instance (a throwaway Ed25519 key, fixed here
 * so that the committed seeds stay signed by it) and one contract hash. With them the seeds ({@link
 * TransparencyLogSeeds}) pass every check, so mutations reach the proof checks behind the signature.
 */
final class LogFixture {
    /** A test key, public in this repository: it signs nothing but the seeds. */
    private static final byte[] INSTANCE_SEED = HexFormat.of().parseHex("e8002d0c1d2807835b490f520e8045c85a28fc78b31e5d2b510e79129a2da340");
    /** The X.509 SubjectPublicKeyInfo header of an Ed25519 key (RFC 8410), before its 32 bytes. */
    private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
    static final byte[] CONTRACT_HASH = Digests.sha256("veil transparency log fuzz contract".getBytes(StandardCharsets.US_ASCII));
    static final InstanceKeys INSTANCE_KEYS = new InstanceKeys(spki(), KeyWrapSuite.X25519, new byte[32]);

    private LogFixture() {
    }

    static PrivateKey instanceKey() {
        try {
            return KeyFactory.getInstance("Ed25519").generatePrivate(new EdECPrivateKeySpec(NamedParameterSpec.ED25519, INSTANCE_SEED));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] spki() {
        byte[] raw = new Ed25519PrivateKeyParameters(INSTANCE_SEED, 0).generatePublicKey().getEncoded();
        byte[] out = new byte[ED25519_SPKI_PREFIX.length + raw.length];
        System.arraycopy(ED25519_SPKI_PREFIX, 0, out, 0, ED25519_SPKI_PREFIX.length);
        System.arraycopy(raw, 0, out, ED25519_SPKI_PREFIX.length, raw.length);
        return out;
    }
}
