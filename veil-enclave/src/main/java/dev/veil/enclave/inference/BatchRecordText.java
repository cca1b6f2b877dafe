package dev.veil.enclave.inference;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The text inside {@link OutputEncoder}'s fixed-size batch records ({@code text length (u32 BE) | text | zero
 * padding}), read back in order. The records come from the enclave's own spool (authenticated), so a record that does
 * not fit is an internal error, not a peer's.
 */
final class BatchRecordText extends InputStream {
    private final DataInputStream records;
    private final int recordBytes;
    private final byte[] text;
    private int pos;
    private int len;

    BatchRecordText(InputStream records, int recordBytes) {
        this.records = new DataInputStream(records);
        this.recordBytes = recordBytes;
        this.text = new byte[recordBytes - Integer.BYTES];
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int n) throws IOException {
        if (n == 0) {
            return 0;
        }
        while (pos == len) {
            if (!nextRecord()) {
                return -1;
            }
        }
        int k = Math.min(n, len - pos);
        System.arraycopy(text, pos, b, off, k);
        pos += k;
        return k;
    }

    private boolean nextRecord() throws IOException {
        int length;
        try {
            length = records.readInt();
        } catch (EOFException end) {
            return false;
        }
        if (length < 0 || length > text.length) {
            throw new IOException("the output spool holds a record of " + length + " bytes; at most " + text.length + " fit");
        }
        records.readFully(text, 0, recordBytes - Integer.BYTES);
        pos = 0;
        len = length;
        return true;
    }

    @Override
    public void close() throws IOException {
        Arrays.fill(text, (byte) 0);
        records.close();
    }
}
