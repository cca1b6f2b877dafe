package dev.veil.bench;

import java.nio.file.Path;

/** The first verification of one sample in a fresh JVM (the cold case); prints milliseconds. */
public final class AttestOnce {
    private AttestOnce() {
    }

    public static void main(String[] args) throws Exception {
        AttestCase c = AttestCase.all(Path.of(args[0])).get(Integer.parseInt(args[1]));
        System.out.println(c.verifyNanos() / 1e6);
    }
}
