package dev.veil.tensor.stream;

import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.TensorFormatException;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole-line CSV reader that the streaming one replaced (NumericCsv.read before issue 11), verbatim: a String per
 * line and per cell, Float.parseFloat on each. Kept as the oracle the streaming reader's rules are tested against.
 */
public final class LegacyCsv {
    private LegacyCsv() {
    }

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
}
