package dev.veil.bench;

import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.ProgressListener;
import dev.veil.seal.Sealer;
import dev.veil.seal.Unsealer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One seal or unseal in a fresh JVM (the cold case): prints "seconds peak_heap_mib". Run by {@link SealBench} with a
 * small -Xmx, which by itself shows that memory does not grow with the file.
 */
public final class SealOnce {
    private SealOnce() {
    }

    public static void main(String[] args) throws Exception {
        String op = args[0];
        Path in = Path.of(args[1]);
        Path out = Path.of(args[2]);
        Path keyFile = Path.of(args[3]);
        Heap.reset();
        long t = System.nanoTime();
        if (System.getProperty("veil.bench.warmup") != null) {
            dev.veil.seal.JitWarmup.run();   // what veil seal/unseal do for large files; its time is included
        }
        if (op.equals("seal")) {
            try (AssetKey key = AssetKey.generate()) {
                new Sealer().sealFile(in, out, key, ContentType.DATASET, ProgressListener.NONE);
                Files.writeString(keyFile, key.toKeyFileText());
            }
        } else {
            try (AssetKey key = AssetKey.fromKeyFileText(Files.readString(keyFile, StandardCharsets.US_ASCII))) {
                Unsealer.unsealFile(in, key, out, ProgressListener.NONE, op.equals("unseal-verify")
                        ? Unsealer.DigestCheck.RECOMPUTE : Unsealer.DigestCheck.AUTHENTICATE_ONLY);
            }
        }
        System.out.println(((System.nanoTime() - t) / 1e9) + " " + Heap.peakMiB());
    }
}
