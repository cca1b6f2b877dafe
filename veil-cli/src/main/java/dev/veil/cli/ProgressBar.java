package dev.veil.cli;

import dev.veil.seal.ProgressListener;
import java.io.PrintStream;

/** A progress bar on stderr for long work, drawn only on an interactive terminal and at most ten times a second. */
final class ProgressBar implements ProgressListener, AutoCloseable {
    private static final long MIN_BYTES = 64L << 20;
    private final String label;
    private final PrintStream out = System.err;
    private final boolean enabled;
    private long lastDraw;
    private final long start = System.nanoTime();
    private boolean drawn;

    ProgressBar(String label, long expectedBytes) {
        this.label = label;
        this.enabled = System.console() != null && expectedBytes >= MIN_BYTES;
    }

    @Override
    public void progress(long done, long total) {
        if (!enabled || total <= 0) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw < 100_000_000L && done < total) {
            return;
        }
        lastDraw = now;
        int width = 30;
        int filled = (int) (width * done / total);
        double secs = Math.max(1e-9, (now - start) / 1e9);
        out.printf("\r%s [%s%s] %3d%%  %.0f MiB/s", label, "#".repeat(filled), " ".repeat(width - filled),
                100 * done / total, done / secs / (1 << 20));
        drawn = true;
    }

    @Override
    public void close() {
        if (drawn) {
            out.println();
        }
    }
}
