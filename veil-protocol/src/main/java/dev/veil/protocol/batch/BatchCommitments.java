package dev.veil.protocol.batch;

import dev.veil.protocol.json.Digests;
import dev.veil.protocol.receipt.ResultCommitments;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A salted commitment to the rows of one partition, built as they pass: each row's index in the input and the SHA-256
 * of its cell, in the order given. The salt is random per partition and travels only inside the encrypted results.
 */
public final class BatchCommitments {
    private final String label;
    private final byte[] salt;
    private final MessageDigest rows;
    /** Each cell's own SHA-256, reset by every digest: one instance per commitment rather than a provider lookup per row. */
    private final MessageDigest cell;
    private final byte[] index = new byte[Long.BYTES];

    private BatchCommitments(String label, byte[] salt) {
        if (salt.length != ResultCommitments.SALT_LENGTH) {
            throw new IllegalArgumentException("a commitment salt is " + ResultCommitments.SALT_LENGTH + " bytes");
        }
        this.label = label;
        this.salt = salt.clone();
        try {
            rows = MessageDigest.getInstance("SHA-256");
            cell = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static BatchCommitments input(byte[] salt) {
        return new BatchCommitments("veil batch input commitment v1", salt);
    }

    public static BatchCommitments output(byte[] salt) {
        return new BatchCommitments("veil batch output commitment v1", salt);
    }

    public void add(long rowIndex, byte[] cellBytes) {
        ByteBuffer.wrap(index).putLong(rowIndex);
        rows.update(index);
        rows.update(cell.digest(cellBytes));
    }

    public String hex() {
        return Digests.hex(Digests.labelled256(label, salt, rows.digest()));
    }

    /** Constant-time comparison of two commitments' hex. */
    public static boolean matches(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
    }
}
