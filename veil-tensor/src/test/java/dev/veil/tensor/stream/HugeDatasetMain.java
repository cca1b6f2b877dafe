package dev.veil.tensor.stream;

import java.util.Arrays;

/**
 * Run in a JVM whose heap is far smaller than the dataset (BoundedMemoryTest): reads a generated CSV or .npy of the
 * given number of rows, checks every row, and prints "<rows> rows, <bad> wrong".
 */
public final class HugeDatasetMain {
    private HugeDatasetMain() {
    }

    public static void main(String[] args) throws Exception {
        long rows = Long.parseLong(args[1]);
        GeneratedDataset data = args[0].equals("csv") ? GeneratedDataset.csv(rows) : GeneratedDataset.npy(rows);
        float[][] expected = new float[GeneratedDataset.BLOCK_ROWS][];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = data.expected(i);
        }
        int width = GeneratedDataset.COLUMNS;
        float[] dst = new float[256 * width];
        long seen = 0;
        long wrong = 0;
        try (RowReader r = RowReaders.open(data)) {
            int n;
            while ((n = r.read(dst, 256)) > 0) {
                for (int i = 0; i < n; i++) {
                    float[] want = expected[(int) ((seen + i) % GeneratedDataset.BLOCK_ROWS)];
                    if (!Arrays.equals(dst, i * width, i * width + width, want, 0, width)) {
                        wrong++;
                    }
                }
                seen += n;
            }
            System.out.println(r.rowsRead() + " rows, " + wrong + " wrong");
        }
    }
}
