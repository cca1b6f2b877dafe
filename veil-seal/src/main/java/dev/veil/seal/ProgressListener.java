package dev.veil.seal;

/** Receives progress of long sealing work; the CLI draws a bar from it. */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = (done, total) -> { };

    void progress(long bytesDone, long bytesTotal);
}
