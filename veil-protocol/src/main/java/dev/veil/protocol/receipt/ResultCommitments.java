package dev.veil.protocol.receipt;

import dev.veil.protocol.json.Digests;
import java.security.MessageDigest;
import java.security.SecureRandom;

/**
 * Salted commitments to the data provider's input and output, as the result receipt carries them. The 32-byte salt is
 * random per session and sealed to the data provider with the results; with it, the data provider (or anyone it shows
 * the salt to) can check that a file is the one the enclave committed to. Without it the commitments are opaque.
 */
public final class ResultCommitments {
    public static final int SALT_LENGTH = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private ResultCommitments() {
    }

    public static byte[] newSalt() {
        byte[] s = new byte[SALT_LENGTH];
        RANDOM.nextBytes(s);
        return s;
    }

    /** Commitment to the input: over the SHA-256 of its plaintext (the digest the sealed header carries). */
    public static String input(byte[] salt, byte[] inputSha256) {
        return Digests.hex(Digests.labelled256("veil input commitment v1", checked(salt), inputSha256));
    }

    public static String output(byte[] salt, byte[] output) {
        OutputCommitment c = new OutputCommitment(salt, output.length);
        c.update(output, 0, output.length);
        return c.hex();
    }

    /**
     * The output commitment computed as the output streams by: the same bytes as {@link Digests#labelled256} over
     * (salt, output), which length-prefixes each part, so the output's length is given first.
     */
    public static final class OutputCommitment {
        private static final String LABEL = "veil output commitment v1";
        private final MessageDigest md;
        private final int length;
        private long seen;

        public OutputCommitment(byte[] salt, int outputLength) {
            if (outputLength < 0) {
                throw new IllegalArgumentException("negative output length");
            }
            try {
                md = MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            md.update(LABEL.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            md.update((byte) 0);
            md.update(java.nio.ByteBuffer.allocate(4).putInt(checked(salt).length).array());
            md.update(salt);
            md.update(java.nio.ByteBuffer.allocate(4).putInt(outputLength).array());
            this.length = outputLength;
        }

        public void update(byte[] b, int off, int len) {
            md.update(b, off, len);
            seen += len;
        }

        public String hex() {
            if (seen != length) {
                throw new IllegalStateException("the output commitment saw " + seen + " bytes, announced " + length);
            }
            return Digests.hex(md.digest());
        }
    }

    /** Constant-time comparison of a recomputed commitment with the receipt's. */
    public static boolean matches(String expectedHex, String actualHex) {
        return expectedHex != null && actualHex != null && MessageDigest.isEqual(
                expectedHex.getBytes(java.nio.charset.StandardCharsets.US_ASCII), actualHex.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    private static byte[] checked(byte[] salt) {
        if (salt.length != SALT_LENGTH) {
            throw new IllegalArgumentException("commitment salt must be " + SALT_LENGTH + " bytes");
        }
        return salt;
    }
}
