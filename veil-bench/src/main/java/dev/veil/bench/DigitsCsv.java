package dev.veil.bench;

import dev.veil.cli.demo.DigitsDemo;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** The digits demo's evaluation rows, repeated in order, written to a CSV file of exactly the rows asked for. */
final class DigitsCsv {
    private DigitsCsv() {
    }

    static void write(Path file, long rows) throws Exception {
        byte[] one = DigitsDemo.evaluationCsv(1);
        int headerEnd = indexOf(one, 0) + 1;
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            out.write(one, 0, headerEnd);
            long written = 0;
            int at = headerEnd;
            while (written < rows) {
                if (at >= one.length) {
                    at = headerEnd;
                }
                int end = indexOf(one, at) + 1;
                out.write(one, at, end - at);
                at = end;
                written++;
            }
        }
    }

    private static int indexOf(byte[] text, int from) {
        for (int i = from; i < text.length; i++) {
            if (text[i] == '\n') {
                return i;
            }
        }
        throw new IllegalStateException("the demo's CSV does not end its lines with a newline");
    }
}
