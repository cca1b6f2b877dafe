package dev.veil.bench;

import java.io.IOException;

/**
 * The resident memory of an enclave process's inference workers (its child processes), watched on a thread: a worker's
 * peak (VmHWM) is gone once it exits, so it is read every {@link #PERIOD_MS} ms while it lives, and the last read
 * before its exit stands (ONNX Runtime's session is released only as the worker closes, so little is missed).
 */
final class WorkerRss {
    private static final long PERIOD_MS = 20;
    private final Thread watcher;
    private volatile boolean stopped;
    private volatile double max;

    private WorkerRss(long enclavePid) {
        watcher = new Thread(() -> {
            while (!stopped) {
                ProcessHandle.of(enclavePid).ifPresent(h -> h.children().forEach(c -> {
                    try {
                        max = Math.max(max, ChildJvm.statusMiB(c.pid(), "VmHWM"));
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

    /** The largest resident set of the enclave's children now (the worker in reserve, between sessions). */
    static double current(long enclavePid) {
        return ProcessHandle.of(enclavePid).map(h -> h.children().mapToDouble(c -> {
            try {
                return ChildJvm.statusMiB(c.pid(), "VmRSS");
            } catch (IOException e) {
                return 0;
            }
        }).max().orElse(0)).orElse(0.0);
    }
}
