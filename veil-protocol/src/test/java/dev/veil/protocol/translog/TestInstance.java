package dev.veil.protocol.translog;

import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.time.Clock;

/** An enclave instance for tests: a fresh Ed25519 key pair and the public instance keys a verifier appraised. */
record TestInstance(PrivateKey signingKey, InstanceKeys keys) {
    static TestInstance generate() {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            byte[] wrapKey = new byte[32];
            new SecureRandom().nextBytes(wrapKey);
            return new TestInstance(pair.getPrivate(), new InstanceKeys(pair.getPublic().getEncoded(), KeyWrapSuite.X25519, wrapKey));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    TransparencyLog log(byte[] contractHash) {
        return new TransparencyLog(contractHash, signingKey, Clock.systemUTC());
    }

    static byte[] contractHash(String name) {
        return dev.veil.protocol.json.Digests.sha256(name.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    static LeafCommitments someCommitments() {
        return LeafCommitments.commit(LeafSalts.random(), randomDigest(), randomDigest(), dev.veil.protocol.TestParties.DP.publicIdentity());
    }

    static byte[] randomDigest() {
        byte[] d = new byte[32];
        new SecureRandom().nextBytes(d);
        return d;
    }
}
