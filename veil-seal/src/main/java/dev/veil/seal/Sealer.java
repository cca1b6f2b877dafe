package dev.veil.seal;

import dev.veil.seal.stream.StreamEncrypter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

/**
 * Seals (encrypts and authenticates) an asset: a {@link SealHeader} followed by the segmented stream.
 * Files are read twice — once to hash, once to encrypt — so the header can carry the plaintext digest that session
 * contracts refer to, while memory stays bounded by one segment.
 */
public final class Sealer {
    /** 64 KiB segments: small enough that the JIT compiles the AES-GCM path early, large enough to amortise calls. */
    public static final int DEFAULT_SEGMENT_SIZE = 64 * 1024;

    private final int segmentSize;

    public Sealer() {
        this(DEFAULT_SEGMENT_SIZE);
    }

    public Sealer(int segmentSize) {
        if (segmentSize < SealHeader.MIN_SEGMENT_SIZE || segmentSize > SealHeader.MAX_SEGMENT_SIZE) {
            throw new IllegalArgumentException("segment size must be " + SealHeader.MIN_SEGMENT_SIZE + ".."
                    + SealHeader.MAX_SEGMENT_SIZE);
        }
        this.segmentSize = segmentSize;
    }

    /** Seals a file; the output appears only when complete, replacing any existing file. Returns the header written. */
    public SealHeader sealFile(Path in, Path out, AssetKey key, ContentType type, ProgressListener progress)
            throws IOException {
        return sealFile(in, out, key, type, progress, true);
    }

    /**
     * Seals a file; the output appears only when complete. An existing {@code out} is replaced only when
     * {@code overwrite} (else {@link java.nio.file.FileAlreadyExistsException}): a sealed file replaced by one under
     * a new key makes the old key, and every contract naming the old file's digest, useless.
     */
    public SealHeader sealFile(Path in, Path out, AssetKey key, ContentType type, ProgressListener progress,
                               boolean overwrite) throws IOException {
        long size = Files.size(in);
        byte[] sha = sha256(in, size, progress);
        try (dev.veil.seal.io.AtomicOutput o = dev.veil.seal.io.AtomicOutput.open(out);
             InputStream src = new java.io.BufferedInputStream(Files.newInputStream(in), 1 << 16)) {
            SealHeader header = seal(src, size, sha, o.stream(), key, type, done -> progress.progress(size + done, 2 * size));
            o.commit(overwrite);
            return header;
        }
    }

    /** Seals bytes held in memory. */
    public byte[] sealBytes(byte[] plaintext, AssetKey key, ContentType type) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(plaintext.length + plaintext.length / 64 + 256);
            seal(new ByteArrayInputStream(plaintext), plaintext.length,
                    MessageDigest.getInstance("SHA-256").digest(plaintext), out, key, type, done -> { });
            return out.toByteArray();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("sealing in memory failed", e);
        }
    }

    /**
     * Seals a stream whose length and SHA-256 the caller already knows (the header carries both and is written first);
     * a stream that turns out longer or shorter fails.
     */
    public SealHeader sealStream(InputStream in, long size, byte[] sha, OutputStream out, AssetKey key, ContentType type)
            throws IOException {
        return seal(in, size, sha, out, key, type, done -> { });
    }

    private SealHeader seal(InputStream in, long size, byte[] sha, OutputStream out, AssetKey key, ContentType type,
                            java.util.function.LongConsumer progress) throws IOException {
        SealHeader header = new SealHeader(SealHeader.VERSION, type, segmentSize, size, sha, key.id());
        byte[] ad = header.encode();
        out.write(ad);
        try {
            long n = StreamEncrypter.encrypt(key.rawForCipher(), ad, segmentSize, in, out, progress);
            if (n != size) {
                throw new IOException("input changed while sealing: read " + n + " bytes, expected " + size);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable in this JVM", e);
        }
        return header;
    }

    /** The SHA-256 of a plaintext file: the digest a sealed header records and a contract pins. */
    public static byte[] sha256(Path file) throws IOException {
        return sha256(file, Files.size(file), ProgressListener.NONE);
    }

    static byte[] sha256(Path file, long size, ProgressListener progress) throws IOException {
        try (DigestInputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            byte[] buf = new byte[1 << 16];
            long done = 0;
            int r;
            while ((r = in.read(buf)) > 0) {
                done += r;
                progress.progress(done, 2 * size);
            }
            return in.getMessageDigest().digest();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
