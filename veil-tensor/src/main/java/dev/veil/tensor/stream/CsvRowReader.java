package dev.veil.tensor.stream;

import dev.veil.tensor.TensorFormatException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.OptionalLong;

/**
 * Comma-separated numeric rows read line by line from bytes. The rules are those of the whole-buffer reader it
 * replaced: lines end at \n, \r or \r\n; a first non-blank line whose first cell is not a number is a header; blank
 * lines are skipped; cells are stripped and must be finite numbers; every line has the same number of cells. One
 * leading UTF-8 byte order mark is skipped (spreadsheets write one), a UTF-16 one is refused. A line and its line
 * end must fit in the buffer: the longest line taken is one byte shorter than the buffer.
 */
final class CsvRowReader implements RowReader {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
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
    public OptionalLong rowsLeft() {
        return OptionalLong.empty();
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
            int i = lineEnd(b, src.pos + scanned, src.lim);
            if (i >= 0) {
                lineStart = src.pos;
                lineEnd = i;
                src.pos = i + 1;
                skipLf = b[i] == '\r';
                lineNo++;
                return true;
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
                        + " bytes, the longest line this reader takes; send rows this wide as .npy");
            }
        }
    }

    /**
     * The index of the first \n or \r in {@code b[from, to)}, or -1. Looks at eight bytes at a time: a byte equal to
     * the pattern leaves a zero byte after the XOR, which the classic (v - 0x01..) & ~v & 0x80.. test finds.
     */
    private static int lineEnd(byte[] b, int from, int to) {
        int i = from;
        for (; i + Long.BYTES <= to; i += Long.BYTES) {
            long w = (long) LONGS.get(b, i);
            long lf = w ^ 0x0a0a0a0a0a0a0a0aL;
            long cr = w ^ 0x0d0d0d0d0d0d0d0dL;
            if ((((lf - 0x0101010101010101L) & ~lf | (cr - 0x0101010101010101L) & ~cr) & 0x8080808080808080L) != 0) {
                break;
            }
        }
        for (; i < to; i++) {
            if (b[i] == '\n' || b[i] == '\r') {
                return i;
            }
        }
        return -1;
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

    /**
     * Parses the current line into {@code dst} from {@code at}, skipping the dropped column unread. Plain decimals
     * ([-]digits[.digits]) are parsed while the line is scanned for commas; any other cell is handed to
     * {@link CsvNumbers}, which takes the same decimals the same way (see there), and everything else.
     */
    private void parseRow(float[] dst, int at) throws TensorFormatException {
        byte[] b = src.buf;
        int end = lineEnd;
        int k = at;
        int column = 0;
        int i = lineStart;
        while (true) {
            if (column == columns) {
                throw columnCount(countCells());
            }
            if (column == dropColumn) {
                while (i < end && b[i] != ',') {
                    i++;
                }
            } else {
                int from = i;
                boolean negative = i < end && b[i] == '-';
                if (negative) {
                    i++;
                }
                long m = 0;
                int digits = 0;
                int fraction = -1;
                for (; i < end; i++) {
                    int c = b[i];
                    if (c >= '0' && c <= '9' && m < CsvNumbers.EXACT) {
                        m = m * 10 + (c - '0');
                        digits++;
                        if (fraction >= 0) {
                            fraction++;
                        }
                    } else if (c == '.' && fraction < 0) {
                        fraction = 0;
                    } else {
                        break;
                    }
                }
                if ((i == end || b[i] == ',') && digits > 0 && m < CsvNumbers.EXACT && fraction <= CsvNumbers.MAX_FRACTION) {
                    float v = CsvNumbers.exact(m, fraction);
                    dst[k++] = negative ? -v : v;
                } else {
                    while (i < end && b[i] != ',') {
                        i++;
                    }
                    dst[k++] = cell(from, i, column);
                }
            }
            column++;
            if (i == end) {
                break;
            }
            i++;
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
