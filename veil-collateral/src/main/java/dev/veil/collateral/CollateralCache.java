package dev.veil.collateral;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;

/**
 * Collateral responses on disk, one file per URL: a header line, the body, then the issuer chain, so a body and its
 * chain are always replaced together. The directory is owner-only (0700) and every file is written 0600 through a
 * temporary file that is synced and then renamed, so another local user cannot swap an entry and a crash leaves the
 * old entry or the new one, never half of either. A directory another user owns is refused as well. A damaged entry
 * reads as absent and is fetched again.
 */
public final class CollateralCache {
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    private static final String MAGIC = "veil collateral cache v1";

    private final Path dir;

    /**
     * Opens (creating it 0700 if absent) the cache directory.
     * @throws IOException when the directory exists and belongs to another user or others may write to it
     */
    public CollateralCache(Path dir) throws IOException {
        this.dir = dir.toAbsolutePath();
        if (!Files.isDirectory(this.dir)) {
            Files.createDirectories(this.dir.getParent());
            Files.createDirectory(this.dir, PosixFilePermissions.asFileAttribute(OWNER_DIR));
        }
        // What is cached is the verifier's own collateral and takes precedence over the host's: a directory another
        // user owns (created first under a shared parent, or reached through a link) is theirs to fill with older
        // genuine CRLs or TCB Info, whatever its mode says about group and others.
        int owner = (Integer) Files.getAttribute(this.dir, "unix:uid");
        if (owner != new UnixSystem().getUid()) {
            throw new IOException("collateral cache " + this.dir + " is owned by another user (uid " + owner
                    + "); choose a directory of your own");
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(this.dir);
        if (mode.contains(PosixFilePermission.GROUP_WRITE) || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
            // others could replace entries; the verifier would catch forged ones, but a swapped cache is still a denial of service
            throw new IOException("collateral cache " + this.dir + " is writable by other users (mode "
                    + PosixFilePermissions.toString(mode) + "); run 'chmod 700 " + this.dir + "' or choose another directory");
        }
    }

    public Path directory() {
        return dir;
    }

    /** A cached response: the body and, when the service sent one, its issuer chain. */
    public record Entry(byte[] body, Optional<byte[]> issuerChain) {
    }

    public Optional<Entry> read(URI uri) throws IOException {
        Path f = file(uri);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        byte[] all = Files.readAllBytes(f);
        int nl = indexOf(all, (byte) '\n');
        if (nl < 0) {
            return Optional.empty();
        }
        String[] header = new String(all, 0, nl, StandardCharsets.US_ASCII).split(" ");
        if (header.length != 6 || !String.join(" ", Arrays.copyOf(header, 4)).equals(MAGIC)) {
            return Optional.empty();
        }
        int bodyLength;
        int chainLength;
        try {
            bodyLength = Integer.parseInt(header[4]);
            chainLength = Integer.parseInt(header[5]);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (bodyLength < 0 || chainLength < -1 || (long) nl + 1 + bodyLength + Math.max(chainLength, 0) != all.length) {
            return Optional.empty();
        }
        byte[] body = Arrays.copyOfRange(all, nl + 1, nl + 1 + bodyLength);
        Optional<byte[]> chain = chainLength < 0 ? Optional.empty()
                : Optional.of(Arrays.copyOfRange(all, nl + 1 + bodyLength, all.length));
        return Optional.of(new Entry(body, chain));
    }

    public void write(URI uri, Entry entry) throws IOException {
        byte[] chain = entry.issuerChain().orElse(new byte[0]);
        byte[] header = (MAGIC + " " + entry.body().length + " " + (entry.issuerChain().isPresent() ? chain.length : -1) + "\n")
                .getBytes(StandardCharsets.US_ASCII);
        Path target = file(uri);
        Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_FILE));
        try {
            try (var ch = java.nio.channels.FileChannel.open(temp, StandardOpenOption.WRITE)) {
                for (byte[] part : new byte[][] {header, entry.body(), chain}) {
                    var buf = java.nio.ByteBuffer.wrap(part);
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                }
                ch.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** The entry's file: named by the SHA-256 of the URL, so any URL maps to a safe file name. */
    Path file(URI uri) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(uri.toString().getBytes(StandardCharsets.UTF_8));
            return dir.resolve(HexFormat.of().formatHex(h) + ".collateral");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int indexOf(byte[] b, byte x) {
        for (int i = 0; i < b.length && i < 128; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }
}
