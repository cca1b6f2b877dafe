package dev.veil.spark.parquet;

import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.Tensor;
import dev.veil.tensor.TensorFormatException;
import dev.veil.tensor.npz.Npz;
import java.util.ArrayList;
import java.util.List;

/**
 * One row of named tensors as one Parquet cell: an .npz of the row's tensors, each with a first dimension of 1. The
 * cell says its own names, types and shapes, so any model signature fits one schema ({@code row}, {@code tensors}),
 * and it is parsed by the same strict .npz reader as every other input.
 */
public final class RowCells {
    /** The largest cell inflated: one row of MiniLM's inputs is a few KiB; an image row a few hundred KiB. */
    public static final long MAX_CELL_BYTES = 64L << 20;

    private RowCells() {
    }

    /** The rows of {@code batch} (every tensor's first dimension is the row), one cell each. */
    public static List<byte[]> split(NamedTensors batch) {
        long rows = rowCount(batch);
        List<byte[]> cells = new ArrayList<>((int) rows);
        for (long r = 0; r < rows; r++) {
            List<Tensor> row = new ArrayList<>();
            for (Tensor t : batch.tensors()) {
                row.add(t.rows(r, r + 1));
            }
            cells.add(Npz.write(new NamedTensors(row)));
        }
        return cells;
    }

    /** The cells joined into one batch, in the order given. */
    public static NamedTensors join(List<byte[]> cells) throws TensorFormatException {
        if (cells.isEmpty()) {
            throw new TensorFormatException("no rows to join");
        }
        List<NamedTensors> rows = new ArrayList<>(cells.size());
        for (byte[] c : cells) {
            rows.add(read(c));
        }
        NamedTensors first = rows.get(0);
        List<Tensor> joined = new ArrayList<>();
        for (String name : first.names()) {
            List<Tensor> parts = new ArrayList<>(rows.size());
            for (NamedTensors r : rows) {
                if (!r.names().equals(first.names())) {
                    throw new TensorFormatException("rows name different tensors: " + first.names() + " and " + r.names());
                }
                parts.add(r.get(name));
            }
            try {
                joined.add(Tensor.concatRows(parts));
            } catch (IllegalArgumentException e) {
                throw new TensorFormatException("rows of tensor '" + Tensor.printable(name) + "' differ in type or shape");
            }
        }
        return new NamedTensors(joined);
    }

    /** One cell, checked to be one row: every tensor has a first dimension of 1. */
    public static NamedTensors read(byte[] cell) throws TensorFormatException {
        NamedTensors row = Npz.read(cell, MAX_CELL_BYTES);
        for (Tensor t : row.tensors()) {
            if (t.rank() == 0 || t.dim(0) != 1) {
                throw new TensorFormatException("a cell's tensor '" + Tensor.printable(t.name()) + "' is not one row");
            }
        }
        return row;
    }

    /** The common first dimension of the tensors: the number of rows. */
    public static long rowCount(NamedTensors batch) {
        long rows = -1;
        for (Tensor t : batch.tensors()) {
            if (t.rank() == 0) {
                throw new IllegalArgumentException("tensor '" + Tensor.printable(t.name()) + "' is a scalar: it has no rows");
            }
            if (rows >= 0 && t.dim(0) != rows) {
                throw new IllegalArgumentException("tensors have different numbers of rows: " + batch);
            }
            rows = t.dim(0);
        }
        if (rows < 0) {
            throw new IllegalArgumentException("no tensors");
        }
        return rows;
    }
}
