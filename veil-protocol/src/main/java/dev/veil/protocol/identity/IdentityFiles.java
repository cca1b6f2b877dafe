package dev.veil.protocol.identity;

import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.KemKeyPair;
import dev.veil.seal.io.AtomicOutput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;

/**
 * Identity files. The secret file ({@code NAME.key}, created 0600) holds both private keys and the public identity;
 * the public file ({@code NAME.pub.json}) is what a provider hands to the other party.
 */
public final class IdentityFiles {
    /** The secret file's JSON form. Never logged. */
    record SecretFile(int veilIdentity, PublicIdentity publicIdentity, byte[] signingPrivateKey, byte[] keyAgreementPrivateKey) {
    }

    /** The public file's JSON form. */
    record PublicFile(int veilIdentity, PublicIdentity publicIdentity, String fingerprint) {
    }

    private IdentityFiles() {
    }

    public static void writeSecret(Identity id, Path file) throws IOException {
        byte[] sk = id.signingKeyForStorage().getEncoded();
        byte[] kem = id.keyAgreement().privateKeyForStorage();
        byte[] json = Json.canonical(new SecretFile(1, id.publicIdentity(), sk, kem));
        try {
            AtomicOutput.write(file, json, true);
        } finally {
            Arrays.fill(sk, (byte) 0);
            Arrays.fill(kem, (byte) 0);
            Arrays.fill(json, (byte) 0);
        }
    }

    public static void writePublic(PublicIdentity id, Path file) throws IOException {
        AtomicOutput.write(file, Json.pretty(new PublicFile(1, id, id.fingerprint())).getBytes(java.nio.charset.StandardCharsets.UTF_8), false);
    }

    public static Identity readSecret(Path file) throws IOException, ProtocolException {
        byte[] json = Files.readAllBytes(file);
        SecretFile f;
        try {
            f = Json.parse(json, SecretFile.class, "identity file " + file.getFileName());
        } finally {
            Arrays.fill(json, (byte) 0);
        }
        try {
            var signing = KeyFactory.getInstance("Ed25519");
            var priv = signing.generatePrivate(new PKCS8EncodedKeySpec(f.signingPrivateKey()));
            var pub = f.publicIdentity().publicSigningKey();
            KemKeyPair kem = KemKeyPair.fromEncoded(f.publicIdentity().keyAgreementSuite(), f.keyAgreementPrivateKey(),
                    f.publicIdentity().keyAgreementKey());
            if (f.publicIdentity().keyProblem() != null) {
                throw new ProtocolException("identity file " + file.getFileName() + ": " + f.publicIdentity().keyProblem());
            }
            Identity id = new Identity(f.publicIdentity().name(), new KeyPair(pub, priv), kem);
            if (!id.publicIdentity().sameKeysAs(f.publicIdentity())) {
                throw new ProtocolException("identity file " + file.getFileName() + " is inconsistent: its private keys do not match its public keys");
            }
            return id;
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new ProtocolException("identity file " + file.getFileName() + " holds unusable keys; create a new one with 'veil keygen'");
        } finally {
            Arrays.fill(f.signingPrivateKey(), (byte) 0);
            Arrays.fill(f.keyAgreementPrivateKey(), (byte) 0);
        }
    }

    /** Only to name the mistake; anything that is not JSON is left for the strict parse to refuse with its reason. */
    private static boolean looksLikeASecretFile(byte[] json) {
        try {
            var tree = Json.mapper().readTree(json);
            return tree != null && tree.has("signing_private_key");
        } catch (IOException e) {
            return false;
        }
    }

    /** Reads a public identity file, or the public part of a secret file. */
    public static PublicIdentity readPublic(Path file) throws IOException, ProtocolException {
        byte[] json = Files.readAllBytes(file);
        if (looksLikeASecretFile(json)) {
            throw new ProtocolException(file.getFileName() + " is a secret identity file; pass the .pub.json file instead");
        }
        PublicFile f = Json.parse(json, PublicFile.class, "public identity file " + file.getFileName());
        String keyProblem = f.publicIdentity().keyProblem();
        if (keyProblem != null) {
            throw new ProtocolException("public identity file " + file.getFileName() + ": " + keyProblem
                    + "; ask its owner for the file 'veil keygen' wrote");
        }
        if (!f.publicIdentity().fingerprint().equals(f.fingerprint())) {
            throw new ProtocolException("public identity file " + file.getFileName() + " states fingerprint " + f.fingerprint()
                    + " but its keys have fingerprint " + f.publicIdentity().fingerprint());
        }
        return f.publicIdentity();
    }
}
