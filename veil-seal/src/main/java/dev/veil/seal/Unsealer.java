package dev.veil.seal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens sealed assets. Plaintext handed out before {@link #unseal} returns is not yet trusted as a whole (a later
 * segment may still fail), so callers write it somewhere disposable: a temporary file moved into place on success,
 * or memory.
 * <p>Integrity comes from the AEAD: every segment, the stream's end and the header are authenticated under the key.
 * The header's plaintext SHA-256 is the sealer's name for the content; {@link DigestCheck#RECOMPUTE} also hashes
 * the plaintext and compares, which matters when that digest is relied on as a claim about content someone else
 * sealed (the enclave always does this for models and datasets). It costs about half the unseal throughput.
 */
public final class Unsealer {
    private Unsealer() {
    }

    /** Reads just the header, e.g. to show what a sealed file is or to check it against a contract. */
    public static SealHeader readHeader(InputStream in) throws IOException, SealException {
        byte[] h = in.readNBytes(SealHeader.LENGTH);
        return SealHeader.decode(h);
    }

    /** Whether to recompute the plaintext SHA-256 and compare it with the header. */
    public enum DigestCheck { RECOMPUTE, AUTHENTICATE_ONLY }

    public static SealHeader unseal(InputStream in, AssetKey key, OutputStream out, ProgressListener progress)
            throws IOException, SealException {
        return unseal(in, key, out, progress, DigestCheck.RECOMPUTE);
    }

    public static SealHeader unseal(InputStream in, AssetKey key, OutputStream out, ProgressListener progress,
                                    DigestCheck check) throws IOException, SealException {
        SealHeader header = readHeader(in);
        try (UnsealingInputStream plain = UnsealingInputStream.open(header, in, key, check)) {
            byte[] buf = new byte[Math.min(header.segmentSize(), 1 << 16)];
            long size = header.plaintextSize();
            long done = 0;
            int n;
            while ((n = plain.read(buf, 0, buf.length)) >= 0) {
                out.write(buf, 0, n);
                done += n;
                progress.progress(done, size);
            }
            java.util.Arrays.fill(buf, (byte) 0);
            return header;
        } catch (UnsealingInputStream.Refused e) {
            throw e.reason();
        }
    }

    /** Unseals a file; the output file appears only if every segment and the digest verified. */
    public static SealHeader unsealFile(Path in, AssetKey key, Path out, ProgressListener progress)
            throws IOException, SealException {
        return unsealFile(in, key, out, progress, DigestCheck.RECOMPUTE);
    }

    public static SealHeader unsealFile(Path in, AssetKey key, Path out, ProgressListener progress, DigestCheck check)
            throws IOException, SealException {
        return unsealFile(in, key, out, progress, check, true);
    }

    /**
     * Unseals a file; the output appears only if everything verified. An existing {@code out} is replaced only when
     * {@code overwrite} (else {@link java.nio.file.FileAlreadyExistsException}, checked after verification too).
     */
    public static SealHeader unsealFile(Path in, AssetKey key, Path out, ProgressListener progress, DigestCheck check,
                                        boolean overwrite) throws IOException, SealException {
        try (InputStream src = new java.io.BufferedInputStream(Files.newInputStream(in), 1 << 16);
             dev.veil.seal.io.AtomicOutput o = dev.veil.seal.io.AtomicOutput.open(out)) {
            SealHeader h = unseal(src, key, o.stream(), progress, check);
            o.commit(overwrite);
            return h;
        }
    }

    /** Result of unsealing into memory. The caller owns and should wipe {@code plaintext}. */
    public record Opened(SealHeader header, byte[] plaintext) {
    }

    public static Opened unsealBytes(byte[] sealed, AssetKey key) throws SealException {
        try {
            SealHeader peek = SealHeader.decode(sealed);
            int capacity = (int) Math.min(peek.plaintextSize(), Integer.MAX_VALUE - 16);
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(capacity, sealed.length));
            SealHeader h = unseal(new ByteArrayInputStream(sealed), key, out, ProgressListener.NONE);
            return new Opened(h, out.toByteArray());
        } catch (IOException e) {
            throw new IllegalStateException("in-memory stream failed", e);
        }
    }
}
