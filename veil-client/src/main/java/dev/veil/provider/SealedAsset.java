package dev.veil.provider;

import dev.veil.protocol.json.ProtocolException;
import dev.veil.seal.SealException;
import dev.veil.seal.SealHeader;
import dev.veil.seal.Unsealer;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A sealed model or dataset to upload, in memory or in a file: uploads stream it, so a dataset of any size is sent
 * without being held in memory. Its header is read once when it is named.
 */
public final class SealedAsset {
    private final SealHeader header;
    private final long size;
    private final byte[] bytes;
    private final Path file;

    private SealedAsset(SealHeader header, long size, byte[] bytes, Path file) {
        this.header = header;
        this.size = size;
        this.bytes = bytes;
        this.file = file;
    }

    public static SealedAsset of(byte[] sealed) throws ProtocolException {
        try {
            return new SealedAsset(SealHeader.decode(sealed), sealed.length, sealed, null);
        } catch (SealException e) {
            throw new ProtocolException("the asset to upload is not a sealed file: " + e.getMessage());
        }
    }

    public static SealedAsset of(Path sealedFile) throws IOException, ProtocolException {
        try (InputStream in = Files.newInputStream(sealedFile)) {
            return new SealedAsset(Unsealer.readHeader(in), Files.size(sealedFile), null, sealedFile);
        } catch (SealException e) {
            throw new ProtocolException(sealedFile + " is not a sealed file: " + e.getMessage());
        }
    }

    public SealHeader header() {
        return header;
    }

    public long size() {
        return size;
    }

    /** The sealed bytes from the start, header included. */
    public InputStream open() throws IOException {
        return bytes != null ? new ByteArrayInputStream(bytes) : new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    }
}
