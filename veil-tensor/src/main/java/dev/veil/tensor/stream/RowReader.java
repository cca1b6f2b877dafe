package dev.veil.tensor.stream;

import dev.veil.tensor.TensorFormatException;
import java.io.IOException;
import java.util.OptionalLong;

/**
 * A dataset read row by row from a stream of plaintext, in memory bounded by the caller's buffer and the reader's own
 * fixed buffer (plus one CSV row), whatever the number of rows. Rows come in input order. Errors name the CSV line and
 * column, or the .npy byte counts, and what to do; they never quote more of the data than the cell at fault (at most 40
 * characters of it). Open one with {@link RowReaders}. Not thread-safe.
 */
public interface RowReader extends AutoCloseable {
    /** The shape of one row (the dataset's shape without its first axis); known as soon as the reader is open. */
    long[] rowShape();

    /**
     * Values per row: the product of {@link #rowShape()}. It comes from the data (a .npy header can declare rows of up
     * to 2^31 values in a few bytes): check it against the memory budget before sizing {@code dst} by it.
     */
    int rowSize();

    /**
     * Reads up to {@code maxRows} whole rows into {@code dst} from index 0, row-major; returns the number of rows read,
     * 0 once the dataset is over (and at every later call). Fewer than {@code maxRows} only at the end of the dataset.
     * A .npy whose data is longer than its header says fails on the call that reads its last row.
     *
     * @throws IllegalArgumentException when {@code maxRows < 1} or {@code dst} holds fewer than {@code maxRows} rows
     * @throws TensorFormatException when the data is malformed; the reader is then spent, and any later call throws
     *     IllegalStateException
     */
    int read(float[] dst, int maxRows) throws IOException, TensorFormatException;

    /** Rows handed out so far. */
    long rowsRead();

    /**
     * The rows still to come when the format declares its row count (.npy, whose header does), empty when only reading
     * finds the end (CSV). A declared count is checked against the data as it is read, so it is a bound for sizing
     * buffers, never a promise that the rows are there.
     */
    OptionalLong rowsLeft();

    /** Zeroes the reader's own buffers of plaintext; does not close the underlying stream. */
    @Override
    void close();
}
