package dev.veil.tensor.stream;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * A dataset of any number of rows that is never held in memory: a header, then one block of rows repeated, produced
 * as it is read. Row {@code i} holds {@link #expected(int)} of row {@code i % BLOCK_ROWS}.
 */
final class GeneratedDataset extends InputStream {
    static final int BLOCK_ROWS = 1000;
    static final int COLUMNS = 3;
    private final byte[] header;
    private final byte[] block;
    private final long blocks;
    private final float[] expected;
    private long position;

    private GeneratedDataset(byte[] header, byte[] block, long blocks, float[] expected) {
        this.header = header;
        this.block = block;
        this.blocks = blocks;
        this.expected = expected;
    }

    /** A CSV with a header and {@code rows} (a multiple of BLOCK_ROWS) digits-like rows of three cells. */
    static GeneratedDataset csv(long rows) {
        Random r = new Random(5);
        StringBuilder sb = new StringBuilder();
        float[] values = new float[BLOCK_ROWS * COLUMNS];
        for (int i = 0; i < BLOCK_ROWS; i++) {
            int a = r.nextInt(17);
            int b = r.nextInt(100);
            int c = -r.nextInt(1000);
            sb.append(a).append(",0.").append(b).append(',').append(c).append(i % 7 == 0 ? "\r\n" : "\n");
            values[i * 3] = a;
            values[i * 3 + 1] = Float.parseFloat("0." + b);
            values[i * 3 + 2] = c;
        }
        return new GeneratedDataset("x,y,z\n".getBytes(StandardCharsets.US_ASCII),
                sb.toString().getBytes(StandardCharsets.US_ASCII), rows / BLOCK_ROWS, values);
    }

    /** A .npy of float32, shape ({@code rows}, 3). */
    static GeneratedDataset npy(long rows) {
        Random r = new Random(6);
        float[] values = new float[BLOCK_ROWS * COLUMNS];
        ByteBuffer block = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < values.length; i++) {
            values[i] = r.nextFloat();
            block.putFloat(values[i]);
        }
        byte[] header = NpyRowReaderTest.npy("<f4", "(" + rows + ", 3)", new byte[0]);
        return new GeneratedDataset(header, block.array(), rows / BLOCK_ROWS, values);
    }

    float[] expected(int rowInBlock) {
        return java.util.Arrays.copyOfRange(expected, rowInBlock * COLUMNS, rowInBlock * COLUMNS + COLUMNS);
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        long total = header.length + blocks * block.length;
        if (position >= total) {
            return -1;
        }
        int n;
        if (position < header.length) {
            n = Math.min(len, header.length - (int) position);
            System.arraycopy(header, (int) position, b, off, n);
        } else {
            int at = (int) ((position - header.length) % block.length);
            n = (int) Math.min(Math.min(len, block.length - at), total - position);
            System.arraycopy(block, at, b, off, n);
        }
        position += n;
        return n;
    }
}
