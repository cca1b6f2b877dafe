package dev.veil.spark.parquet;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Gets the JDK's AES-GCM compiled onto AES-NI and PCLMULQDQ before an executor decrypts its first page. HotSpot swaps
 * in those instructions only where C2 compiles the cipher's methods, and C2 compiles a method after thousands of calls.
 * Parquet makes one call per page: a partition of image rows (a 110 KB cell per row, a page per cell or two) makes a
 * few hundred, so without this the whole job's decryption ran in plain Java at under 100 MB/s (JFR on `./bench spark
 * --model ocr`: two thirds of the executors' samples in {@code GHASH.processBlocks} and {@code CounterMode.implCrypt}
 * in its last jobs). Ten thousand tiny calls reach the threshold in about 0.1 s of CPU, once per executor JVM.
 *
 * <p>The warm-up uses a fresh random key that is never used for anything else and is dropped at once; no data of any
 * party goes through it.
 */
public final class CipherWarmUp {
    private static final int CALLS = 10_000;
    private static final int BYTES = 64;
    private static boolean done;

    private CipherWarmUp() {
    }

    /** Runs the warm-up the first time it is called in this JVM; later calls return at once. */
    public static synchronized void once() {
        if (done) {
            return;
        }
        done = true;
        try {
            KeyGenerator g = KeyGenerator.getInstance("AES");
            g.init(256, new SecureRandom());
            SecretKey key = g.generateKey();
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            byte[] plain = new byte[BYTES];
            byte[] iv = new byte[12];
            for (int i = 0; i < CALLS; i++) {
                // a distinct nonce per call: the JDK refuses to encrypt twice under one key and nonce
                iv[0] = (byte) i;
                iv[1] = (byte) (i >>> 8);
                iv[2] = (byte) (i >>> 16);
                cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
                byte[] sealed = cipher.doFinal(plain);
                cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, iv));
                cipher.doFinal(sealed);
            }
        } catch (GeneralSecurityException e) {
            // only a warm-up: a JDK without AES-GCM fails where the real cipher is asked for, with its own error
        }
    }
}
