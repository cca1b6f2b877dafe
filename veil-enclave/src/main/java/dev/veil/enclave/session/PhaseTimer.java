package dev.veil.enclave.session;

import java.util.ArrayList;
import java.util.List;

/** Times consecutive phases of a session for its log line: "unseal 12 ms, parse 80 ms, …". */
final class PhaseTimer {
    private final List<String> phases = new ArrayList<>();
    private long last = System.nanoTime();

    void mark(String phase) {
        long now = System.nanoTime();
        phases.add(phase + " " + (now - last) / 1_000_000 + " ms");
        last = now;
    }

    @Override
    public String toString() {
        return String.join(", ", phases);
    }
}
