package dev.veil.spark.parquet;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Test stand-in for a broker's data-key service: one AES-256 master key held in this process, AES-GCM wrapping with
 * the master key's name as associated data. The real service keeps the master key in the data provider's broker.
 */
public final class LocalMasterKeys implements DataKeyService {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final SecretKey master;

    public LocalMasterKeys() {
        try {
            KeyGenerator g = KeyGenerator.getInstance("AES");
            g.init(256);
            master = g.generateKey();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String wrap(byte[] key, String masterKeyId) {
        try {
            byte[] nonce = new byte[12];
            RANDOM.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, master, new GCMParameterSpec(128, nonce));
            c.updateAAD(masterKeyId.getBytes(StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(key);
            return Base64.getEncoder().encodeToString(ByteBuffer.allocate(12 + ct.length).put(nonce).put(ct).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public byte[] unwrap(String wrapped, String masterKeyId) throws org.apache.parquet.crypto.KeyAccessDeniedException {
        try {
            byte[] all = Base64.getDecoder().decode(wrapped);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, master, new GCMParameterSpec(128, all, 0, 12));
            c.updateAAD(masterKeyId.getBytes(StandardCharsets.UTF_8));
            return c.doFinal(all, 12, all.length - 12);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new org.apache.parquet.crypto.KeyAccessDeniedException("the wrapped key does not open under " + masterKeyId);
        }
    }
}
