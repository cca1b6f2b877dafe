package dev.veil.tensor;

import dev.veil.tensor.stream.RowReader;
import dev.veil.tensor.stream.RowReaders;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Comma-separated rows of numeric features, one sample per line, becoming a [rows, columns] tensor. A first line
 * that is not numeric is taken as a header; blank lines are skipped; every row must have the same number of
 * columns. Errors name the line and column. The rows are parsed as {@link RowReaders#csv(byte[], int)} streams them.
 */
public final class NumericCsv {
    private NumericCsv() {
    }

    /** Reads all columns. */
    public static FloatTensor read(byte[] csv) throws TensorFormatException {
        return read(csv, -1);
    }

    /**
     * Reads the feature columns; when {@code dropColumn} is not negative that column is skipped (e.g. a label column
     * kept by the data provider for scoring).
     */
    public static FloatTensor read(byte[] csv, int dropColumn) throws TensorFormatException {
        try (RowReader r = RowReaders.csv(csv, dropColumn)) {
            return RowReaders.readAll(r);
        } catch (IOException e) {
            throw new TensorFormatException("CSV could not be read: " + e.getMessage());
        }
    }

    /** One label per line. */
    public static byte[] writeLabels(long[] labels) {
        StringBuilder sb = new StringBuilder(labels.length * 3);
        for (long l : labels) {
            sb.append(l).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    public static long[] readLabels(byte[] csv) throws TensorFormatException {
        String[] lines = new String(csv, StandardCharsets.US_ASCII).split("\n");
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            String t = lines[i].strip();
            if (t.isEmpty()) {
                continue;
            }
            try {
                out.add(Long.parseLong(t));
            } catch (NumberFormatException e) {
                throw new TensorFormatException("labels line " + (i + 1) + " is not an integer");
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }
}
