package dev.veil.spark.parquet;

import java.security.SecureRandom;
import org.apache.parquet.crypto.AesCipher;
import org.apache.parquet.crypto.AesMode;
import org.apache.parquet.crypto.ModuleCipherFactory;
import org.apache.parquet.format.BlockCipher;

/**
 * Gets the JDK's AES-GCM compiled onto AES-NI and carry-less multiply before an executor decrypts its first page.
 * HotSpot uses those instructions only in code C2 compiled, and C2 compiles a method after thousands of calls. Parquet
 * makes one call per page and per page header: a partition of image rows (a 110 KB cell per row, a page per cell) makes a
 * few hundred, so without a warm-up the job's decryption runs in plain Java at 60 to 250 MB/s instead of gigabytes a
 * second.
 *
 * <p>The warm-up goes through Parquet's own cipher classes, with module AADs as Parquet builds them and modules of the
 * sizes Parquet encrypts — empty and short ones (page headers), pages of a few KB, and pages above the JDK's 64 KiB
 * threshold where GCM splits its work — both ways. Calls of one size only are not enough: C2 compiles the branches a
 * warm-up never took as traps, the first real page of another size falls back to the interpreter, and the cipher then
 * stays in plain Java for many jobs while the executor's compiler is busy with Spark's code (`./bench spark --model ocr`,
 * JFR on the executors: four fifths of the confidential tasks' samples in {@code GHASH.processBlocks} in every job of the
 * run after a warm-up of 64-byte calls; {@code jdk.Deoptimization}: {@code GHASH.update}, "unstable_if").
 *
 * <p>It uses a fresh random key that is never used for anything else and is left to the garbage collector with the
 * warm-up's cipher objects; only zeros go through it, no data of any party. It is only a warm-up: whatever it throws is
 * dropped, and a JDK without AES-GCM fails where Parquet asks for the real cipher. About a second of CPU (JDK 17, this machine), once per executor JVM, while its first inference worker starts.
 */
public final class CipherWarmUp {
    /** Sizes of the short modules, cycled through: empty, under one block, a page header, pages of a few KB. */
    private static final int[] SHORT_MODULES = {0, 13, 40, 600, 1_100, 4_096};
    /** Pages past the JDK's split threshold (64 KiB): a full page with its header, and an image row's cell. */
    private static final int[] LARGE_MODULES = {65_600, 112_640};
    private static final int ROUNDS = 3_000;
    /** A round of large modules every this many rounds: enough for C2 to see their branches taken, at a bounded cost. */
    private static final int LARGE_EVERY = 10;
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
            SecureRandom random = new SecureRandom();
            byte[] key = new byte[32];
            byte[] fileAad = new byte[8];
            random.nextBytes(key);
            random.nextBytes(fileAad);
            BlockCipher.Encryptor encryptor = ModuleCipherFactory.getEncryptor(AesMode.GCM, key);
            BlockCipher.Decryptor decryptor = ModuleCipherFactory.getDecryptor(AesMode.GCM, key);
            byte[][] shortModules = modules(SHORT_MODULES);
            byte[][] largeModules = modules(LARGE_MODULES);
            for (int round = 0; round < ROUNDS; round++) {
                byte[] aad = AesCipher.createModuleAAD(fileAad, ModuleCipherFactory.ModuleType.DataPage, 0, 0, round);
                both(encryptor, decryptor, shortModules[round % shortModules.length], aad);
                if (round % LARGE_EVERY == 0) {
                    for (byte[] m : largeModules) {
                        both(encryptor, decryptor, m, aad);
                    }
                }
            }
        } catch (RuntimeException e) {
            // only a warm-up: the instance goes on, and the real cipher fails where Parquet asks for it, if it does
        }
    }

    private static byte[][] modules(int[] sizes) {
        byte[][] m = new byte[sizes.length][];
        for (int i = 0; i < sizes.length; i++) {
            m[i] = new byte[sizes[i]];
        }
        return m;
    }

    private static void both(BlockCipher.Encryptor encryptor, BlockCipher.Decryptor decryptor, byte[] module, byte[] aad) {
        decryptor.decrypt(encryptor.encrypt(module, aad), aad);
    }
}
