package dev.veil.provider.broker;

import dev.veil.protocol.broker.WrappedDataKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The data-key service's master keys: 32 random bytes each, in {@code master-keys/ID.key} (0600), created by the
 * provider ({@code veil broker master-key}) and never sent anywhere. A data key is wrapped with AES-256-GCM (JDK),
 * a fresh 96-bit IV each time, the master-key id and who wrapped it bound as aad ({@link WrappedDataKey#aad}): a key
 * an instance wrapped opens for that instance only, never as one the provider wrapped: no instance gets another
 * instance's output key back, nor passes a key of its own off as the provider's input.
 *
 * <p>A master key's scope, {@code master-keys/ID.contracts} (the contract hashes it serves, one a line, lowercase hex),
 * is written with it when the provider names contracts; an instance is served a master key only under a contract of
 * its scope, or, for a key created without one, only while the broker serves a single contract.
 */
final class MasterKeys {
    static final int LENGTH = 32;
    private static final String SCOPE = ".contracts";
    private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Path dir;

    MasterKeys(Path dir) {
        this.dir = dir;
    }

    /** Creates master key {@code id}; an existing one is never replaced (data wrapped under it would be lost). */
    static void create(StateFiles files, Path dir, String id) throws IOException {
        create(files, dir, id, List.of());
    }

    /**
     * Creates master key {@code id} for the contracts {@code contractHashes} (lowercase hex) only; none: unscoped, so
     * served only by a broker of a single contract.
     */
    static void create(StateFiles files, Path dir, String id, List<String> contractHashes) throws IOException {
        requireId(id);
        if (Files.exists(dir.resolve(id + ".key"))) {
            throw new FileAlreadyExistsException(dir.resolve(id + ".key").toString());
        }
        if (!contractHashes.isEmpty()) {
            StringBuilder lines = new StringBuilder();
            for (String h : new TreeSet<>(contractHashes)) {
                if (!HASH.matcher(h).matches()) {
                    throw new IllegalArgumentException("a master key's contract is named by its hash, 64 lowercase hex digits");
                }
                lines.append(h).append('\n');
            }
            files.write(dir.resolve(id + SCOPE), lines.toString().getBytes(StandardCharsets.US_ASCII), false, true);
        }
        byte[] key = new byte[LENGTH];
        RANDOM.nextBytes(key);
        try {
            files.write(dir.resolve(id + ".key"), key, true, false);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /** The contract hashes master key {@code id} serves, or null when it was created without a scope. */
    Set<String> scope(String id) throws IOException {
        requireId(id);
        List<String> lines;
        try {
            lines = Files.readAllLines(dir.resolve(id + SCOPE), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return null;
        }
        Set<String> hashes = new TreeSet<>();
        for (String l : lines) {
            if (!HASH.matcher(l).matches()) {
                throw new IOException("master key scope " + id + SCOPE + " holds a line that is not a contract hash");
            }
            hashes.add(l);
        }
        return hashes;
    }

    /** @param wrapper the keys digest of the instance that asked, or null for the provider */
    WrappedDataKey wrap(String id, byte[] dataKey, byte[] wrapper) throws BrokerRefusal, IOException {
        if (Arrays.stream(WrappedDataKey.DATA_KEY_LENGTHS).noneMatch(n -> n == dataKey.length)) {
            throw new BrokerRefusal(BrokerRefusal.Reason.BAD_REQUEST, "a data key is 16, 24 or 32 bytes, not " + dataKey.length);
        }
        byte[] iv = new byte[WrappedDataKey.IV_LENGTH];
        RANDOM.nextBytes(iv);
        return new WrappedDataKey(iv, crypt(Cipher.ENCRYPT_MODE, id, aad(id, wrapper), iv, dataKey));
    }

    /**
     * The data key for instance {@code caller} (its keys digest): one the provider wrapped, or one this same instance
     * wrapped; never another instance's. The caller wipes it.
     */
    byte[] unwrapFor(String id, WrappedDataKey wrapped, byte[] caller) throws BrokerRefusal, IOException {
        try {
            return crypt(Cipher.DECRYPT_MODE, id, aad(id, null), wrapped.iv(), wrapped.ciphertext());
        } catch (BrokerRefusal notTheProviders) {
            if (notTheProviders.reason() != BrokerRefusal.Reason.KEY_DOES_NOT_OPEN) {
                throw notTheProviders;
            }
            return crypt(Cipher.DECRYPT_MODE, id, aad(id, caller), wrapped.iv(), wrapped.ciphertext());
        }
    }

    /**
     * The data key instance {@code wrapper} (its keys digest) wrapped, for the provider: opened only under that
     * instance's binding, never as one the provider wrapped, so a key is credited to (and checked against the revocation
     * of) the instance that really wrapped it (RevokedInstanceResultsUnderAnotherInstancesNameAttackTest). The caller
     * wipes it.
     */
    byte[] unwrapWrappedBy(String id, WrappedDataKey wrapped, byte[] wrapper) throws BrokerRefusal, IOException {
        return crypt(Cipher.DECRYPT_MODE, id, aad(id, wrapper), wrapped.iv(), wrapped.ciphertext());
    }

    /** The data key the provider wrapped, for the provider. The caller wipes it. */
    byte[] unwrapProviders(String id, WrappedDataKey wrapped) throws BrokerRefusal, IOException {
        return crypt(Cipher.DECRYPT_MODE, id, aad(id, null), wrapped.iv(), wrapped.ciphertext());
    }

    private static byte[] aad(String id, byte[] wrapper) {
        return wrapper == null ? WrappedDataKey.aad(id) : WrappedDataKey.instanceAad(id, wrapper);
    }

    private byte[] crypt(int mode, String id, byte[] aad, byte[] iv, byte[] input) throws BrokerRefusal, IOException {
        byte[] key = read(id);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(WrappedDataKey.TAG_LENGTH * 8, iv));
            c.updateAAD(aad);
            return c.doFinal(input);
        } catch (AEADBadTagException e) {
            throw new BrokerRefusal(BrokerRefusal.Reason.KEY_DOES_NOT_OPEN, "the wrapped key does not open under master key '"
                    + id + "': it was wrapped under another key, by another instance, or altered");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable in this JVM", e);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    private byte[] read(String id) throws BrokerRefusal, IOException {
        requireId(id);
        byte[] key;
        try {
            key = Files.readAllBytes(dir.resolve(id + ".key"));
        } catch (NoSuchFileException e) {
            throw new BrokerRefusal(BrokerRefusal.Reason.UNKNOWN_MASTER_KEY, "this broker has no master key '" + id
                    + "'; its provider creates one with 'veil broker master-key'");
        }
        if (key.length != LENGTH) {
            Arrays.fill(key, (byte) 0);
            throw new IOException("master key file " + id + ".key is not " + LENGTH + " bytes");
        }
        return key;
    }

    private static void requireId(String id) {
        if (id == null || !id.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new IllegalArgumentException("a master-key id is 1 to 64 letters, digits, '.', '_' or '-', starting with a"
                    + " letter or digit");
        }
    }
}
