package dev.veil.tensor;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Comma-separated rows of numeric features, one sample per line, becoming a [rows, columns] tensor. A first line
 * that is not numeric is taken as a header; blank lines are skipped; every row must have the same number of
 * columns. Errors name the line and column.
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
        List<float[]> rows = new ArrayList<>();
        int columns = -1;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new ByteArrayInputStream(csv), StandardCharsets.UTF_8))) {
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = line.split(",", -1);
                if (rows.isEmpty() && columns < 0 && !isNumeric(cells[0].strip())) {
                    columns = cells.length;   // header line
                    continue;
                }
                if (columns >= 0 && cells.length != columns) {
                    throw new TensorFormatException("CSV line " + lineNo + " has " + cells.length + " columns, expected " + columns);
                }
                columns = cells.length;
                int keep = dropColumn >= 0 && dropColumn < cells.length ? cells.length - 1 : cells.length;
                float[] row = new float[keep];
                int k = 0;
                for (int c = 0; c < cells.length; c++) {
                    if (c == dropColumn) {
                        continue;
                    }
                    String cell = cells[c].strip();
                    try {
                        row[k++] = Float.parseFloat(cell);
                    } catch (NumberFormatException e) {
                        throw new TensorFormatException("CSV line " + lineNo + " column " + (c + 1) + " is '"
                                + (cell.length() > 40 ? cell.substring(0, 40) + "..." : cell) + "', expected a number");
                    }
                    if (!Float.isFinite(row[k - 1])) {
                        throw new TensorFormatException("CSV line " + lineNo + " column " + (c + 1) + " is not a finite number");
                    }
                }
                rows.add(row);
            }
        } catch (IOException e) {
            throw new TensorFormatException("CSV could not be read: " + e.getMessage());
        }
        if (rows.isEmpty()) {
            throw new TensorFormatException("CSV holds no data rows");
        }
        int width = rows.get(0).length;
        float[] values = new float[Math.multiplyExact(rows.size(), width)];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, values, i * width, width);
        }
        return new FloatTensor(new long[] {rows.size(), width}, values);
    }

    private static boolean isNumeric(String s) {
        try {
            Float.parseFloat(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
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
