package dev.veil.protocol.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The commitment's bytes, computed here from its definition (docs/PROTOCOL.md, batch receipts) without the class's own
 * code: a partition receipt signed by one version must be checked by another ('veil verify-receipt', 'veil batch open').
 */
class BatchCommitmentsTest {
    private static final byte[] SALT = new byte[32];

    static {
        for (int i = 0; i < SALT.length; i++) {
            SALT[i] = (byte) (i * 7 + 1);
        }
    }

    @Test
    void theCommitmentIsTheLabelledDigestOfEachRowsIndexAndCellDigestInOrder() throws Exception {
        byte[][] cells = {"first".getBytes(StandardCharsets.US_ASCII), new byte[0], new byte[70_000]};
        long[] indices = {0, 41, 1L << 40};
        BatchCommitments in = BatchCommitments.input(SALT);
        for (int i = 0; i < cells.length; i++) {
            in.add(indices[i], cells[i]);
        }
        assertThat(in.hex()).isEqualTo(expected("veil batch input commitment v1", indices, cells));
    }

    @Test
    void inputAndOutputCommitmentsToTheSameRowsDiffer() {
        BatchCommitments in = BatchCommitments.input(SALT);
        BatchCommitments out = BatchCommitments.output(SALT);
        in.add(3, new byte[] {1});
        out.add(3, new byte[] {1});
        assertThat(in.hex()).isNotEqualTo(out.hex());
    }

    @Test
    void aRowMovedToAnotherIndexChangesTheCommitment() {
        BatchCommitments a = BatchCommitments.output(SALT);
        BatchCommitments b = BatchCommitments.output(SALT);
        a.add(1, new byte[] {9});
        a.add(2, new byte[] {8});
        b.add(2, new byte[] {9});
        b.add(1, new byte[] {8});
        assertThat(a.hex()).isNotEqualTo(b.hex());
    }

    private static String expected(String label, long[] indices, byte[][] cells) throws Exception {
        MessageDigest rows = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < cells.length; i++) {
            rows.update(ByteBuffer.allocate(8).putLong(indices[i]).array());
            rows.update(MessageDigest.getInstance("SHA-256").digest(cells[i]));
        }
        ByteArrayOutputStream labelled = new ByteArrayOutputStream();
        labelled.write(label.getBytes(StandardCharsets.US_ASCII));
        labelled.write(0);
        for (byte[] part : new byte[][] {SALT, rows.digest()}) {
            labelled.write(ByteBuffer.allocate(4).putInt(part.length).array());
            labelled.write(part);
        }
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(labelled.toByteArray()));
    }
}
