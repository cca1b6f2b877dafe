package dev.veil.bench;

import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.ProgressListener;
import dev.veil.seal.Sealer;
import dev.veil.seal.Unsealer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Sealing throughput on one file: cold (a fresh JVM per operation, small heap) and warm (the same JVM after
 * repetitions, when the JIT has compiled the AES-GCM and SHA-256 paths). Throughput counts plaintext bytes.
 */
final class SealBench {
    private SealBench() {
    }

    static void run(Report report, Path dir, long sizeMiB, int warmRuns) throws Exception {
        Path plain = dir.resolve("plain.bin");
        Path sealed = dir.resolve("plain.veil");
        Path back = dir.resolve("back.bin");
        Path key = dir.resolve("plain.key");
        writeFile(plain, sizeMiB);
        long bytes = sizeMiB << 20;

        report.section("Sealing " + sizeMiB + " MiB (64 KiB segments; seal = SHA-256 pass + encrypt pass; unseal = "
                + "authenticated decryption; unseal-verify also recomputes the SHA-256)");
        report.table("case", "MiB/s", "seconds", "peak heap MiB");
        for (String op : new String[] {"seal", "unseal", "unseal-verify"}) {
            for (boolean warm : new boolean[] {false, true}) {
                Files.deleteIfExists(op.equals("seal") ? sealed : back);
                String[] r = cold(op, op.equals("seal") ? plain : sealed, op.equals("seal") ? sealed : back, key, "64m", warm);
                double secs = Double.parseDouble(r[0]);
                report.row(op + ", cold JVM" + (warm ? " + AES-GCM warm-up (as the CLI does)" : "") + ", -Xmx64m, file to file",
                        sizeMiB / secs, secs, Double.parseDouble(r[1]));
            }
        }

        List<Double> sealT = new ArrayList<>();
        List<Double> unsealT = new ArrayList<>();
        List<Double> unsealNullT = new ArrayList<>();
        List<Double> verifyNullT = new ArrayList<>();
        double peak = 0;
        try (AssetKey k = AssetKey.generate()) {
            for (int i = 0; i < warmRuns; i++) {
                Heap.reset();
                long t = System.nanoTime();
                new Sealer().sealFile(plain, sealed, k, ContentType.DATASET, ProgressListener.NONE);
                sealT.add((System.nanoTime() - t) / 1e9);
                t = System.nanoTime();
                Unsealer.unsealFile(sealed, k, back, ProgressListener.NONE, Unsealer.DigestCheck.AUTHENTICATE_ONLY);
                unsealT.add((System.nanoTime() - t) / 1e9);
                t = System.nanoTime();
                try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(sealed), 1 << 16)) {
                    Unsealer.unseal(in, k, OutputStream.nullOutputStream(), ProgressListener.NONE, Unsealer.DigestCheck.AUTHENTICATE_ONLY);
                }
                unsealNullT.add((System.nanoTime() - t) / 1e9);
                t = System.nanoTime();
                try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(sealed), 1 << 16)) {
                    Unsealer.unseal(in, k, OutputStream.nullOutputStream(), ProgressListener.NONE, Unsealer.DigestCheck.RECOMPUTE);
                }
                verifyNullT.add((System.nanoTime() - t) / 1e9);
                peak = Math.max(peak, Heap.peakMiB());
            }
        }
        List<Double> last = sealT.subList(sealT.size() / 2, sealT.size());
        report.row("seal, warm (median of last " + last.size() + "), file to file", bytes / (1 << 20) / Report.median(last), Report.median(last), peak);
        last = unsealT.subList(unsealT.size() / 2, unsealT.size());
        report.row("unseal, warm, file to file", bytes / (1 << 20) / Report.median(last), Report.median(last), peak);
        last = unsealNullT.subList(unsealNullT.size() / 2, unsealNullT.size());
        report.row("unseal, warm, file to memory sink", bytes / (1 << 20) / Report.median(last), Report.median(last), peak);
        last = verifyNullT.subList(verifyNullT.size() / 2, verifyNullT.size());
        report.row("unseal-verify, warm, file to memory sink (+ SHA-256)", bytes / (1 << 20) / Report.median(last), Report.median(last), peak);
        try (AssetKey k = AssetKey.generate()) {
            int n = (int) Math.min(bytes, 256L << 20);
            byte[] chunk = new byte[n];
            new Random(2).nextBytes(chunk);
            byte[] sealedInMemory = new Sealer().sealBytes(chunk, k, ContentType.DATASET);
            List<Double> mem = new ArrayList<>();
            for (int i = 0; i < warmRuns * 2; i++) {
                long t = System.nanoTime();
                Unsealer.unseal(new java.io.ByteArrayInputStream(sealedInMemory), k, OutputStream.nullOutputStream(),
                        ProgressListener.NONE, Unsealer.DigestCheck.AUTHENTICATE_ONLY);
                mem.add((System.nanoTime() - t) / 1e9);
            }
            double m = Report.median(mem.subList(mem.size() / 2, mem.size()));
            report.row("unseal, warm, memory to memory sink (" + (n >> 20) + " MiB held in memory, like an upload)", (n >> 20) / m, m, peak);
        }
        report.note("Warm runs reuse this JVM (default heap). Peak heap is the largest seen across warm runs, after a GC before each run.");
        Files.deleteIfExists(plain);
        Files.deleteIfExists(sealed);
        Files.deleteIfExists(back);
    }

    /** Peak heap of unsealing files of two sizes in fresh JVMs: bounded memory means the two are alike. */
    static void heapVsSize(Report report, Path dir, long smallMiB, long largeMiB) throws Exception {
        report.section("Peak heap does not grow with file size (unseal in a fresh JVM, -Xmx64m)");
        report.table("plaintext MiB", "peak heap MiB", "seconds");
        for (long size : new long[] {smallMiB, largeMiB}) {
            Path plain = dir.resolve("h.bin");
            Path sealed = dir.resolve("h.veil");
            Path back = dir.resolve("h.back");
            Path key = dir.resolve("h.key");
            writeFile(plain, size);
            Files.deleteIfExists(sealed);
            Files.deleteIfExists(key);
            cold("seal", plain, sealed, key, "64m", true);
            Files.deleteIfExists(back);
            String[] r = cold("unseal", sealed, back, key, "64m", true);
            report.row(size, Double.parseDouble(r[1]), Double.parseDouble(r[0]));
            for (Path p : new Path[] {plain, sealed, back, key}) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static String[] cold(String op, Path in, Path out, Path key, String xmx, boolean warmup) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx" + xmx, warmup ? "-Dveil.bench.warmup=1" : "-Dveil.bench.nowarmup=1",
                "-cp", System.getProperty("java.class.path"),
                SealOnce.class.getName(), op, in.toString(), out.toString(), key.toString()).redirectErrorStream(true).start();
        String line;
        StringBuilder all = new StringBuilder();
        String lastLine = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            while ((line = r.readLine()) != null) {
                all.append(line).append('\n');
                lastLine = line;
            }
        }
        if (p.waitFor() != 0 || lastLine == null) {
            throw new IllegalStateException("cold " + op + " failed:\n" + all);
        }
        return lastLine.trim().split(" ");
    }

    private static void writeFile(Path file, long mib) throws Exception {
        byte[] block = new byte[1 << 20];
        new Random(1).nextBytes(block);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long i = 0; i < mib; i++) {
                block[0] = (byte) i;
                out.write(block);
            }
        }
    }
}
