package dev.veil.provider.broker;

import dev.veil.protocol.broker.WrappedDataKey;
import dev.veil.seal.io.AtomicOutput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The data-key service's master keys: 32 random bytes each, in {@code master-keys/ID.key} (0600), created by the
 * provider ({@code veil broker master-key}) and never sent anywhere. A data key is wrapped with AES-256-GCM (JDK),
 * a fresh 96-bit IV each time, the master-key id bound as aad ({@link WrappedDataKey#aad}).
 */
final class MasterKeys {
    static final int LENGTH = 32;
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Path dir;

    MasterKeys(Path dir) {
        this.dir = dir;
    }

    /** Creates master key {@code id}; an existing one is never replaced (data wrapped under it would be lost). */
    static void create(Path dir, String id) throws IOException {
        requireId(id);
        byte[] key = new byte[LENGTH];
        RANDOM.nextBytes(key);
        try {
            AtomicOutput.write(dir.resolve(id + ".key"), key, true, false);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    WrappedDataKey wrap(String id, byte[] dataKey) throws BrokerRefusal, IOException {
        if (Arrays.stream(WrappedDataKey.DATA_KEY_LENGTHS).noneMatch(n -> n == dataKey.length)) {
            throw new BrokerRefusal(BrokerRefusal.Reason.BAD_REQUEST, "a data key is 16, 24 or 32 bytes, not " + dataKey.length);
        }
        byte[] iv = new byte[WrappedDataKey.IV_LENGTH];
        RANDOM.nextBytes(iv);
        return new WrappedDataKey(iv, crypt(Cipher.ENCRYPT_MODE, id, iv, dataKey));
    }

    /** The data key; the caller wipes it. */
    byte[] unwrap(String id, WrappedDataKey wrapped) throws BrokerRefusal, IOException {
        return crypt(Cipher.DECRYPT_MODE, id, wrapped.iv(), wrapped.ciphertext());
    }

    private byte[] crypt(int mode, String id, byte[] iv, byte[] input) throws BrokerRefusal, IOException {
        byte[] key = read(id);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(WrappedDataKey.TAG_LENGTH * 8, iv));
            c.updateAAD(WrappedDataKey.aad(id));
            return c.doFinal(input);
        } catch (AEADBadTagException e) {
            throw new BrokerRefusal(BrokerRefusal.Reason.KEY_DOES_NOT_OPEN, "the wrapped key does not open under master key '"
                    + id + "': it was wrapped under another key, or altered");
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
