package dev.veil.bench;

import dev.veil.enclave.inference.InferenceWorkerMain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The resident memory of an enclave process's inference workers (its child processes), watched on a thread: a worker's
 * peak (VmHWM) is gone once it exits, so it is read every {@link #PERIOD_MS} ms while it lives, and the last read
 * before its exit stands (ONNX Runtime's session is released only as the worker closes, so little is missed).
 *
 * <p>Only a child whose command line is the worker's is read. A child the enclave is still spawning (the JDK's
 * {@code posix_spawn}: a {@code vfork}-like clone that shares the enclave's memory until it executes
 * {@code jspawnhelper}, which then executes the worker's JVM) reports the enclave's own VmHWM, or the helper's. The
 * next session's worker is spawned as a session closes, while this watches: the quiet run of 2026-12-01 read 186.8 MiB
 * for "the worker" at 10,000 rows against 187.0 MiB for the enclave itself, a reading of the enclave in such a window
 * (reproduced apart: a JVM of 400 MiB spawning 1,500 children while a thread polled their VmHWM read 643 MiB for a child).
 * The command line is read before the status: a process only moves forward from the enclave's image to the helper's to
 * the worker's, so a status read after a worker's command line is the worker's.
 */
final class WorkerRss {
    private static final long PERIOD_MS = 20;
    private static final String WORKER_MAIN = InferenceWorkerMain.class.getName();
    private final Thread watcher;
    private volatile boolean stopped;
    private volatile double max;

    private WorkerRss(long enclavePid) {
        watcher = new Thread(() -> {
            while (!stopped) {
                ProcessHandle.of(enclavePid).ifPresent(h -> h.children().forEach(c -> {
                    try {
                        if (isWorker(c.pid())) {
                            max = Math.max(max, ChildJvm.statusMiB(c.pid(), "VmHWM"));
                        }
                    } catch (IOException e) {
                        // exited between the listing and the read
                    }
                }));
                try {
                    Thread.sleep(PERIOD_MS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "worker-rss");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** Starts watching the children of {@code enclavePid}. */
    static WorkerRss watch(long enclavePid) {
        return new WorkerRss(enclavePid);
    }

    /** The largest peak seen. */
    double stop() throws InterruptedException {
        stopped = true;
        watcher.join();
        return max;
    }

    /** Whether the process runs the inference worker's JVM (not the enclave's image or the spawn helper any more). */
    private static boolean isWorker(long pid) throws IOException {
        byte[] cmdline = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
        return new String(cmdline, StandardCharsets.ISO_8859_1).contains(WORKER_MAIN);
    }

    /** The largest resident set of the enclave's inference workers now (the worker in reserve, between sessions). */
    static double current(long enclavePid) {
        return ProcessHandle.of(enclavePid).map(h -> h.children().mapToDouble(c -> {
            try {
                return isWorker(c.pid()) ? ChildJvm.statusMiB(c.pid(), "VmRSS") : 0;
            } catch (IOException e) {
                return 0;
            }
        }).max().orElse(0)).orElse(0.0);
    }
}
