package dev.veil.protocol.identity;

import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;

/**
 * The shareable half of a provider identity: a name, an Ed25519 verification key (X.509 SubjectPublicKeyInfo) and
 * an HPKE key-agreement public key. Its fingerprint is what people compare out of band.
 */
public record PublicIdentity(String name, byte[] signingKey, KeyWrapSuite keyAgreementSuite, byte[] keyAgreementKey) {
    public PublicIdentity {
        if (signingKey == null || keyAgreementSuite == null || keyAgreementKey == null) {
            // parsed from contracts and messages anyone can write: refused here, not a crash when printed or used later
            throw new IllegalArgumentException("an identity needs a signing key, a key-agreement suite and a key-agreement key");
        }
        String problem = IdentityNames.problem(name);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        signingKey = signingKey.clone();
        keyAgreementKey = keyAgreementKey.clone();
    }

    /**
     * Why a key is not in its canonical encoding, or null. A second encoding of one key gives one holder a second
     * fingerprint, and byte-wise comparisons (both roles held by one key) would miss it. Identity files and
     * {@code ContractVerifier.checkTerms} refuse such keys; the constructor takes any bytes so that the contract's
     * known-answer vectors can use filler keys.
     */
    public String keyProblem() {
        String problem = CanonicalKeys.ed25519Problem(signingKey);
        if (problem == null && keyAgreementSuite == KeyWrapSuite.X25519) {
            problem = CanonicalKeys.x25519Problem(keyAgreementKey);
        }
        return problem;
    }

    @Override
    public byte[] signingKey() {
        return signingKey.clone();
    }

    @Override
    public byte[] keyAgreementKey() {
        return keyAgreementKey.clone();
    }

    /** 20 hex digits in groups of four, over both public keys and the suite (the name is a label, not identity). */
    public String fingerprint() {
        String h = fullFingerprint().substring(0, 20);
        return String.join("-", h.substring(0, 4), h.substring(4, 8), h.substring(8, 12), h.substring(12, 16), h.substring(16, 20));
    }

    /**
     * The whole digest {@link #fingerprint} shows the first 20 hex digits of (64 lowercase hex digits): for a machine to
     * pin, where 80 bits are short of a second preimage's margin.
     */
    public String fullFingerprint() {
        return Digests.hex(Digests.labelled256("veil identity fingerprint v1", signingKey,
                keyAgreementSuite.id().getBytes(StandardCharsets.US_ASCII), keyAgreementKey));
    }

    public boolean sameKeysAs(PublicIdentity other) {
        return Arrays.equals(signingKey, other.signingKey) && keyAgreementSuite == other.keyAgreementSuite
                && Arrays.equals(keyAgreementKey, other.keyAgreementKey);
    }

    public boolean verify(byte[] message, byte[] signature) throws ProtocolException {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(publicSigningKey());
            s.update(message);
            return s.verify(signature);
        } catch (java.security.SignatureException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new ProtocolException("identity '" + name + "' has an unusable Ed25519 key");
        }
    }

    PublicKey publicSigningKey() throws GeneralSecurityException {
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(signingKey));
    }

    @Override
    public String toString() {
        return name + " (" + fingerprint() + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PublicIdentity p && p.name.equals(name) && sameKeysAs(p);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(signingKey);
    }
}
