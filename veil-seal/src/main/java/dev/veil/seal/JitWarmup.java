package dev.veil.seal;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * HotSpot runs JDK AES-GCM at about 80–100 MiB/s until C2 compiles its caller, which takes a few thousand calls —
 * roughly the first 128 MiB of a 64 KiB-segment stream. Sealing and unsealing 8,000 small segments first (16 MiB in
 * 2 MiB rounds, about 0.2 s on a cold JVM) gets the compiled, intrinsic path for everything after
 * (docs/BENCHMARKS.md). It goes
 * through the production Sealer and Unsealer, not a copy of them, with a throwaway key.
 */
public final class JitWarmup {
    private static final AtomicBoolean DONE = new AtomicBoolean();
    private static final int SEGMENT = 2048;
    private static final int ROUNDS = 8;
    private static final int CALLS_PER_ROUND = 1000;   // 8 rounds of 2 MiB keep the warm-up's heap small

    private JitWarmup() {
    }

    /** Runs once per JVM; later calls return at once. */
    public static void run() {
        if (!DONE.compareAndSet(false, true)) {
            return;
        }
        try (AssetKey key = AssetKey.generate()) {
            byte[] plain = new byte[(SEGMENT - 16) * CALLS_PER_ROUND];
            for (int i = 0; i < ROUNDS; i++) {
                byte[] sealed = new Sealer(SEGMENT).sealBytes(plain, key, ContentType.GENERIC);
                Unsealer.unseal(new ByteArrayInputStream(sealed), key, OutputStream.nullOutputStream(), ProgressListener.NONE,
                        Unsealer.DigestCheck.AUTHENTICATE_ONLY);
            }
        } catch (java.io.IOException | SealException e) {
            throw new IllegalStateException("AES-GCM warm-up failed", e);
        }
    }

    /** Starts {@link #run()} on a background daemon thread. */
    public static void runInBackground() {
        Thread t = new Thread(JitWarmup::run, "veil-jit-warmup");
        t.setDaemon(true);
        t.start();
    }
}
