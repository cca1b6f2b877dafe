package dev.veil.enclave;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;

/**
 * The enclave process's heap settings, as the JVM resolved them, in one line for the log. The enclave refuses none: a
 * heap is the operator's choice (a model up to {@code max_model} bytes lives in it). But its resident memory follows the
 * young generation: with the JVM's defaults (G1, an initial heap of 1/64 of the machine's memory) the first eden is
 * touched whole before the first collection, about 250 MiB on a 23 GiB machine whatever the dataset, which alone
 * spends the batch pipeline's memory budget. The launcher ({@code veil enclave}, {@code veil serve}), the container
 * image and the benchmark's enclave process start it with {@link #OPTIONS} instead.
 */
public final class JvmHeap {
    /**
     * A 32 MiB young generation (what a session's garbage, 64 KiB segments and one batch's outputs at a time, needs),
     * a 64 MiB initial heap that grows only with what is live, and the serial collector, whose generations keep the
     * sizes they are given. The maximum heap stays the JVM's default: the model is held in it.
     */
    public static final List<String> OPTIONS = List.of("-XX:+UseSerialGC", "-Xms64m", "-Xmn32m");

    private JvmHeap() {
    }

    /** E.g. "heap max 5998 MiB, young generation max 32 MiB (Copy, MarkSweepCompact)". */
    public static String describe() {
        long max = Runtime.getRuntime().maxMemory();
        long young = 0;
        boolean youngBounded = true;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && isYoung(p.getName())) {
                long m = p.getUsage().getMax();
                if (m < 0) {
                    youngBounded = false;
                } else {
                    young += m;
                }
            }
        }
        List<String> collectors = ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName).toList();
        return "heap max " + mib(max) + ", young generation " + (youngBounded && young > 0 ? "max " + mib(young)
                : "sized by the collector") + " (" + String.join(", ", collectors) + ")";
    }

    private static boolean isYoung(String pool) {
        return pool.contains("Eden") || pool.contains("Survivor");
    }

    private static String mib(long bytes) {
        return bytes >= (10L << 30) ? (bytes >> 30) + " GiB" : (bytes >> 20) + " MiB";
    }
}
