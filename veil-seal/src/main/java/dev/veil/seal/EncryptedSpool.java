package dev.veil.seal;

import dev.veil.seal.stream.DecryptingInputStream;
import dev.veil.seal.stream.EncryptingOutputStream;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A temporary file that holds only ciphertext: what is written is encrypted (the segmented stream) under a fresh key
 * that lives in memory only, then read back, verified, any number of times; closing deletes the file and destroys the
 * key. It lets the enclave hold an output larger than its memory budget on the host's disk, which sees only its length.
 */
public final class EncryptedSpool implements AutoCloseable {
    private static final byte[] ASSOCIATED_DATA = "veil encrypted spool v1".getBytes(StandardCharsets.US_ASCII);

    /** Writing to the spool failed (a full or failing disk): the enclave's own failure, not a peer's. */
    public static final class WriteFailed extends IOException {
        WriteFailed(IOException cause) {
            super("the encrypted spool could not be written", cause);
        }
    }

    private final Path file;
    private final AssetKey key = AssetKey.generate();
    private final OutputStream fileOut;
    private final EncryptingOutputStream writer;
    private boolean finished;

    private EncryptedSpool(Path file) throws IOException {
        this.file = file;
        this.fileOut = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.WRITE), 1 << 16);
        this.writer = new EncryptingOutputStream(key.rawForCipher(), ASSOCIATED_DATA, Sealer.DEFAULT_SEGMENT_SIZE, fileOut);
    }

    /** A new spool file in {@code dir} (created if missing), readable by this user only. */
    public static EncryptedSpool create(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path f;
        try {
            f = Files.createTempFile(dir, "spool-", ".enc", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            f = Files.createTempFile(dir, "spool-", ".enc");
        }
        try {
            return new EncryptedSpool(f);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(f);
            throw e;
        }
    }

    /** Where the plaintext is written, until {@link #finish()}; a failure to write is a {@link WriteFailed}. */
    public OutputStream writer() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    writer.write(b, off, len);
                } catch (IOException e) {
                    throw new WriteFailed(e);
                }
            }
        };
    }

    /** Ends writing: the last segment is written and the file closed. */
    public void finish() throws IOException {
        if (!finished) {
            finished = true;
            try {
                writer.close();
                fileOut.close();
            } catch (IOException e) {
                throw new WriteFailed(e);
            } finally {
                fileOut.close();
            }
        }
    }

    /** The plaintext, decrypted and verified as it is read (a changed or cut file fails). */
    public InputStream open() throws IOException {
        if (!finished) {
            throw new IllegalStateException("finish the spool before reading it");
        }
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            DecryptingInputStream plain = DecryptingInputStream.open(key.rawForCipher(), ASSOCIATED_DATA, Sealer.DEFAULT_SEGMENT_SIZE, in);
            return new java.io.FilterInputStream(plain) {
                @Override
                public void close() throws IOException {
                    plain.close();
                    in.close();
                }
            };
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** Deletes the file and destroys the key; what was written can no longer be read by anyone. */
    @Override
    public void close() throws IOException {
        try {
            if (!finished) {
                finished = true;
                writer.discard();
                fileOut.close();
            }
        } finally {
            key.close();
            Files.deleteIfExists(file);
        }
    }
}
