package dev.veil.tensor.stream;

import dev.veil.tensor.TensorFormatException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Comma-separated numeric rows read line by line from bytes. The rules are those of the whole-buffer reader it
 * replaced: lines end at \n, \r or \r\n; a first non-blank line whose first cell is not a number is a header; blank
 * lines are skipped; cells are stripped and must be finite numbers; every line has the same number of cells. One
 * leading UTF-8 byte order mark is skipped (spreadsheets write one), a UTF-16 one is refused. A line and its line
 * end must fit in the buffer: the longest line taken is one byte shorter than the buffer.
 */
final class CsvRowReader implements RowReader {
    private final ByteSource src;
    private final int dropColumn;
    private int columns = -1;
    private int width;
    private long lineNo;
    private boolean skipLf;
    private int lineStart;
    private int lineEnd;
    private float[] pending;
    private long rows;
    private boolean over;
    private boolean failed;

    private CsvRowReader(ByteSource src, int dropColumn) {
        this.src = src;
        this.dropColumn = dropColumn;
    }

    /** Reads up to the first data row, which fixes the row width. */
    static CsvRowReader open(ByteSource src, int dropColumn) throws IOException, TensorFormatException {
        CsvRowReader r = new CsvRowReader(src, dropColumn);
        r.skipByteOrderMark();
        boolean first = true;
        while (r.nextLine()) {
            if (r.blank()) {
                continue;
            }
            if (first && !r.firstCellIsNumber()) {
                r.columns = r.countCells();
                first = false;
                continue;
            }
            first = false;
            int cells = r.countCells();
            if (r.columns >= 0 && cells != r.columns) {
                throw r.columnCount(cells);
            }
            r.columns = cells;
            r.width = dropColumn >= 0 && dropColumn < cells ? cells - 1 : cells;
            r.pending = new float[r.width];
            r.parseRow(r.pending, 0);
            return r;
        }
        throw new TensorFormatException("CSV holds no data rows");
    }

    @Override
    public long[] rowShape() {
        return new long[] {width};
    }

    @Override
    public int rowSize() {
        return width;
    }

    @Override
    public long rowsRead() {
        return rows;
    }

    @Override
    public int read(float[] dst, int maxRows) throws IOException, TensorFormatException {
        RowReaders.checkRequest(dst, maxRows, width);
        if (failed) {
            throw new IllegalStateException("this reader failed earlier; open a new one");
        }
        int n = 0;
        try {
            if (pending != null) {
                System.arraycopy(pending, 0, dst, 0, width);
                Arrays.fill(pending, 0f);
                pending = null;
                n = 1;
            }
            while (n < maxRows && !over) {
                if (!nextLine()) {
                    over = true;
                } else if (!blank()) {
                    parseRow(dst, n * width);
                    n++;
                }
            }
        } catch (IOException | TensorFormatException | RuntimeException e) {
            failed = true;
            throw e;
        }
        rows += n;
        return n;
    }

    @Override
    public void close() {
        src.wipe();
        if (pending != null) {
            Arrays.fill(pending, 0f);
        }
    }

    private void skipByteOrderMark() throws IOException, TensorFormatException {
        src.require(3);
        byte[] b = src.buf;
        int p = src.pos;
        int n = src.available();
        if (n >= 2 && ((b[p] & 0xff) == 0xfe && (b[p + 1] & 0xff) == 0xff
                || (b[p] & 0xff) == 0xff && (b[p + 1] & 0xff) == 0xfe)) {
            throw new TensorFormatException("CSV starts with a UTF-16 byte order mark; save it as UTF-8");
        }
        if (n >= 3 && (b[p] & 0xff) == 0xef && (b[p + 1] & 0xff) == 0xbb && (b[p + 2] & 0xff) == 0xbf) {
            src.pos += 3;
        }
    }

    /** Finds the next line, [lineStart, lineEnd) in the buffer; false once the data is over. */
    private boolean nextLine() throws IOException, TensorFormatException {
        byte[] b = src.buf;
        int scanned = 0;
        while (true) {
            if (skipLf) {
                if (src.available() == 0 && src.refill() < 0) {
                    return false;
                }
                skipLf = false;
                if (b[src.pos] == '\n') {
                    src.pos++;
                }
            }
            int lim = src.lim;
            for (int i = src.pos + scanned; i < lim; i++) {
                byte c = b[i];
                if (c == '\n' || c == '\r') {
                    lineStart = src.pos;
                    lineEnd = i;
                    src.pos = i + 1;
                    skipLf = c == '\r';
                    lineNo++;
                    return true;
                }
            }
            scanned = src.available();
            int got = src.refill();
            if (got < 0) {
                if (src.available() == 0) {
                    return false;
                }
                lineStart = src.pos;
                lineEnd = src.lim;
                src.pos = src.lim;
                lineNo++;
                return true;
            }
            if (got == 0) {
                throw new TensorFormatException("CSV line " + (lineNo + 1) + " is longer than " + (b.length - 1)
                        + " bytes, the longest line this reader takes; split the data into more rows");
            }
        }
    }

    /** Whitespace only, as String.isBlank says (non-ASCII bytes are decoded to ask it). */
    private boolean blank() {
        byte[] b = src.buf;
        boolean nonAscii = false;
        for (int i = lineStart; i < lineEnd; i++) {
            int c = b[i];
            if (c < 0) {
                nonAscii = true;
            } else if (!Character.isWhitespace(c)) {
                return false;
            }
        }
        return !nonAscii || new String(b, lineStart, lineEnd - lineStart, StandardCharsets.UTF_8).isBlank();
    }

    private int countCells() {
        return countCells(lineStart, lineEnd);
    }

    private int countCells(int from, int to) {
        byte[] b = src.buf;
        int n = 1;
        for (int i = from; i < to; i++) {
            if (b[i] == ',') {
                n++;
            }
        }
        return n;
    }

    private boolean firstCellIsNumber() {
        byte[] b = src.buf;
        int end = lineStart;
        while (end < lineEnd && b[end] != ',') {
            end++;
        }
        try {
            CsvNumbers.parse(b, lineStart, end);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Parses the current line into {@code dst} from {@code at}, skipping the dropped column. */
    private void parseRow(float[] dst, int at) throws TensorFormatException {
        byte[] b = src.buf;
        int k = at;
        int column = 0;
        int cellStart = lineStart;
        for (int i = lineStart; ; i++) {
            if (i == lineEnd || b[i] == ',') {
                if (column == columns) {
                    throw columnCount(countCells());
                }
                if (column != dropColumn) {
                    dst[k++] = cell(cellStart, i, column);
                }
                column++;
                if (i == lineEnd) {
                    break;
                }
                cellStart = i + 1;
            }
        }
        if (column != columns) {
            throw columnCount(column);
        }
    }

    private float cell(int from, int to, int column) throws TensorFormatException {
        float v;
        try {
            v = CsvNumbers.parse(src.buf, from, to);
        } catch (NumberFormatException e) {
            String cell = CsvNumbers.text(src.buf, from, to);
            throw rowError("CSV line " + lineNo + " column " + (column + 1) + " is '"
                    + (cell.length() > 40 ? cell.substring(0, 40) + "..." : cell) + "', expected a number");
        }
        if (!Float.isFinite(v)) {
            throw rowError("CSV line " + lineNo + " column " + (column + 1) + " is not a finite number");
        }
        return v;
    }

    /** A bad cell in a line that also has the wrong number of cells is reported as the latter, as it always was. */
    private TensorFormatException rowError(String cellError) {
        int cells = countCells();
        return cells != columns ? columnCount(cells) : new TensorFormatException(cellError);
    }

    private TensorFormatException columnCount(int cells) {
        return new TensorFormatException("CSV line " + lineNo + " has " + cells + " columns, expected " + columns);
    }
}
