package dev.veil.tensor.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.TensorFiles;
import dev.veil.tensor.TensorFormatException;
import dev.veil.tensor.stream.LegacyCsv;
import dev.veil.tensor.stream.RowReaders;
import dev.veil.tensor.stream.Rows;
import dev.veil.tensor.stream.Rows.Outcome;

/**
 * The streaming readers against the whole-buffer ones, and the CSV reader against the whole-line reader it replaced.
 * The last four input bytes pick the buffer size, the read batch and the size of the stream's reads, so rows and
 * cells fall across buffer boundaries everywhere; the rest is the dataset.
 */
class StreamingReadersFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void streamMatchesWholeBuffer(FuzzedDataProvider data) {
        int buffer = data.consumeInt(RowReaders.MIN_BUFFER_BYTES, 300);
        int batch = data.consumeInt(1, 9);
        int chunk = data.consumeInt(1, 64);
        byte[] bytes = data.consumeRemainingAsBytes();

        Outcome whole = read(bytes);
        Outcome streamed = Rows.outcome(() -> RowReaders.open(Rows.chunked(bytes, chunk), buffer), batch);
        boolean lineTooLong = streamed.error() != null && streamed.error().contains("the longest line this reader takes");
        if (!lineTooLong && !streamed.sameAs(whole)) {
            throw new IllegalStateException("streamed (buffer " + buffer + ", batch " + batch + ", reads of " + chunk
                    + ") " + streamed + " but whole " + whole);
        }
        if (!TensorFiles.isNpy(bytes) && !startsWithByteOrderMark(bytes)) {
            Outcome legacy = legacy(bytes);
            if (!sameRules(whole, legacy)) {
                throw new IllegalStateException("CSV read " + whole + " but the whole-line reader " + legacy);
            }
        }
    }

    private static Outcome read(byte[] bytes) {
        try {
            FloatTensor t = TensorFiles.read(bytes);
            return Outcome.of(t.shape(), t.values());
        } catch (TensorFormatException e) {
            return Outcome.failed(e.getMessage());
        }
    }

    private static Outcome legacy(byte[] bytes) {
        try {
            FloatTensor t = LegacyCsv.read(bytes, -1);
            return Outcome.of(t.shape(), t.values());
        } catch (TensorFormatException e) {
            return Outcome.failed(e.getMessage());
        }
    }

    /**
     * The same rows, or the same error up to the quoted cell (a malformed UTF-8 sequence cut by a comma may decode to
     * a different number of replacement characters when a cell is decoded alone).
     */
    private static boolean sameRules(Outcome a, Outcome b) {
        if (a.error() != null && b.error() != null) {
            return a.error().split("'", 2)[0].equals(b.error().split("'", 2)[0]);
        }
        return a.sameAs(b);
    }

    /** The streaming reader skips a UTF-8 mark and refuses UTF-16 ones on purpose; the line reader did neither. */
    private static boolean startsWithByteOrderMark(byte[] b) {
        int b0 = b.length > 0 ? b[0] & 0xff : 0;
        int b1 = b.length > 1 ? b[1] & 0xff : 0;
        int b2 = b.length > 2 ? b[2] & 0xff : 0;
        return b0 == 0xef && b1 == 0xbb && b2 == 0xbf || b0 == 0xfe && b1 == 0xff || b0 == 0xff && b1 == 0xfe;
    }
}
