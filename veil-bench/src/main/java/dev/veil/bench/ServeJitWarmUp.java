package dev.veil.bench;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Brings the JDK's AES-GCM to the state a long-running server and client reach after a few hundred answers, before
 * anything is measured. JDK 17 and 25 seal and open a message of a megabyte or more on a path that the JIT compiles
 * (with the CPU's AES and carry-less-multiply instructions) only after a few hundred such messages: about 30 ms per
 * MiniLM answer until then, 0.5 ms after (measured on the build machine). The server seals in pieces, which warm within
 * a few dozen answers, but a data provider opens each answer in one call. Without this, the first minutes of the
 * benchmark would measure the JIT's warm-up instead of serving; it uses the JDK directly and serves nothing.
 */
final class ServeJitWarmUp {
    private ServeJitWarmUp() {
    }

    /** Seals and opens {@code messages} messages of {@code bytes} bytes; returns the seconds it took. */
    static double aesGcm(int messages, int bytes) throws GeneralSecurityException {
        long t0 = System.nanoTime();
        byte[] message = new byte[bytes];
        SecretKeySpec key = new SecretKeySpec(new byte[32], "AES");
        for (int i = 0; i < messages; i++) {
            byte[] nonce = java.nio.ByteBuffer.allocate(12).putInt(8, i).array();
            Cipher seal = Cipher.getInstance("AES/GCM/NoPadding");
            seal.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            byte[] sealed = seal.doFinal(message);
            Cipher open = Cipher.getInstance("AES/GCM/NoPadding");
            open.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            open.doFinal(sealed);
        }
        return (System.nanoTime() - t0) / 1e9;
    }
}
