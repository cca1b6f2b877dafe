package dev.veil.tensor.stream;

import dev.veil.tensor.FloatTensor;
import dev.veil.tensor.TensorFiles;
import dev.veil.tensor.TensorFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Opens datasets as {@link RowReader}s: {@code .npy} (recognised by its magic) or numeric CSV (anything else). A
 * stream is read through one buffer of fixed size, {@link #DEFAULT_BUFFER_BYTES} unless the caller picks another;
 * a CSV line longer than the buffer is refused, so the buffer is also the longest row a CSV may have. The
 * whole-buffer readers ({@code NumericCsv.read}, {@code Npy.read}, {@code TensorFiles.read}) are these same parsers
 * over an array.
 */
public final class RowReaders {
    /**
     * 1 MiB, a small share of the enclave's memory budget. It bounds a CSV line to 1 MiB less one byte: about 250,000
     * pixel values of 0..255 (a 288x288x3 image) or 110,000 floats written with six decimals. Wider rows (a 640x640x3
     * image is 1.2 million values) need a larger buffer, or .npy, whose rows have no such limit.
     */
    public static final int DEFAULT_BUFFER_BYTES = 1 << 20;
    /** Room for any .npy preamble and element. */
    public static final int MIN_BUFFER_BYTES = 16;
    /** The most values one Java array (a row, or a whole tensor) holds. */
    static final int MAX_VALUES = Integer.MAX_VALUE - 8;

    private RowReaders() {
    }

    /** A .npy or CSV dataset read from {@code plaintext} through a buffer of {@link #DEFAULT_BUFFER_BYTES}. */
    public static RowReader open(InputStream plaintext) throws IOException, TensorFormatException {
        return open(plaintext, DEFAULT_BUFFER_BYTES);
    }

    /** A .npy or CSV dataset read from {@code plaintext} through a buffer of {@code bufferBytes}. */
    public static RowReader open(InputStream plaintext, int bufferBytes) throws IOException, TensorFormatException {
        ByteSource src = ByteSource.over(plaintext, checkBuffer(bufferBytes));
        src.require(6);
        return isNpy(src) ? npy(src) : csv(src, -1);
    }

    /**
     * A CSV dataset read from {@code plaintext} through a buffer of {@code bufferBytes}; when {@code dropColumn} is
     * not negative that column is skipped (e.g. a label column kept by the data provider for scoring).
     */
    public static RowReader csv(InputStream plaintext, int dropColumn, int bufferBytes) throws IOException, TensorFormatException {
        return csv(ByteSource.over(plaintext, checkBuffer(bufferBytes)), dropColumn);
    }

    /** A .npy dataset read from {@code plaintext} through a buffer of {@code bufferBytes}. */
    public static RowReader npy(InputStream plaintext, int bufferBytes) throws IOException, TensorFormatException {
        return npy(ByteSource.over(plaintext, checkBuffer(bufferBytes)));
    }

    /** A CSV dataset already in memory, as {@link #csv(InputStream, int, int)} without a limit on line length. */
    public static RowReader csv(byte[] whole, int dropColumn) throws IOException, TensorFormatException {
        return csv(ByteSource.of(whole), dropColumn);
    }

    /** A .npy dataset already in memory. */
    public static RowReader npy(byte[] whole) throws IOException, TensorFormatException {
        return npy(ByteSource.of(whole));
    }

    /**
     * Reads every remaining row into one tensor (for datasets that fit in memory). Rows are read straight into blocks
     * that double up to about a million values, copied once into the tensor at the end.
     */
    public static FloatTensor readAll(RowReader reader) throws IOException, TensorFormatException {
        int rowSize = reader.rowSize();
        int maxBatch = Math.max(1, (1 << 20) / Math.max(1, rowSize));
        int batch = Math.min(64, maxBatch);
        List<float[]> blocks = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        long rows = 0;
        while (true) {
            // A .npy of no rows may declare rows of two billion values: never allocate for rows that are not coming.
            long left = reader.rowsLeft().orElse(Long.MAX_VALUE);
            if (left == 0) {
                break;
            }
            int take = (int) Math.min(batch, left);
            float[] block = new float[take * rowSize];
            int n = reader.read(block, take);
            if (n == 0) {
                break;
            }
            rows += n;
            if (rows * rowSize > MAX_VALUES || rows > MAX_VALUES) {
                throw new TensorFormatException("the dataset holds more than " + MAX_VALUES
                        + " values, the most one tensor holds; stream it instead");
            }
            blocks.add(block);
            counts.add(n);
            batch = Math.min(maxBatch, batch * 2);
        }
        float[] all = new float[(int) (rows * rowSize)];
        int at = 0;
        for (int i = 0; i < blocks.size(); i++) {
            int values = counts.get(i) * rowSize;
            System.arraycopy(blocks.get(i), 0, all, at, values);
            at += values;
        }
        long[] rowShape = reader.rowShape();
        long[] shape = new long[rowShape.length + 1];
        shape[0] = rows;
        System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
        return new FloatTensor(shape, all);
    }

    static void checkRequest(float[] dst, int maxRows, int rowSize) {
        if (maxRows < 1 || (long) maxRows * rowSize > dst.length) {
            throw new IllegalArgumentException("cannot read " + maxRows + " rows of " + rowSize + " values into "
                    + dst.length);
        }
    }

    private static int checkBuffer(int bufferBytes) {
        if (bufferBytes < MIN_BUFFER_BYTES) {
            throw new IllegalArgumentException("a buffer of " + bufferBytes + " bytes is below the minimum of " + MIN_BUFFER_BYTES);
        }
        return bufferBytes;
    }

    private static boolean isNpy(ByteSource src) {
        return TensorFiles.isNpy(Arrays.copyOfRange(src.buf, src.pos, Math.min(src.lim, src.pos + 6)));
    }

    private static RowReader csv(ByteSource src, int dropColumn) throws IOException, TensorFormatException {
        try {
            return CsvRowReader.open(src, dropColumn);
        } catch (IOException | TensorFormatException | RuntimeException e) {
            src.wipe();
            throw e;
        }
    }

    private static RowReader npy(ByteSource src) throws IOException, TensorFormatException {
        try {
            return NpyRowReader.open(src);
        } catch (IOException | TensorFormatException | RuntimeException e) {
            src.wipe();
            throw e;
        }
    }
}
