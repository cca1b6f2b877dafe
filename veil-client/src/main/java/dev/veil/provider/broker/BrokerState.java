package dev.veil.provider.broker;

import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.ProtocolException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A broker's state directory, owner-only (0700, files 0600). Every file and directory it creates or renames into place
 * is followed by a forced directory ({@link StateFiles}), so a crash keeps what the broker already acted on:
 * <pre>
 *   identity.pub.json      the broker's public identity, written on first start; a later start with another refuses
 *   releases/HASH.log      the signed release record of each contract (ReleaseRecord)
 *   revoked                revoked instances, or "all" (Revocations)
 *   master-keys/ID.key     the data-key service's master keys (MasterKeys)
 *   lock                   held by the running broker: two brokers never append to one record
 * </pre>
 */
public final class BrokerState {
    static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    public static final String IDENTITY_FILE = "identity.pub.json";

    private final Path dir;
    private final StateFiles files;

    private BrokerState(Path dir, StateFiles files) {
        this.dir = dir;
        this.files = files;
    }

    /** The directory, created owner-only if absent; one readable by others is refused (it holds master keys). */
    public static BrokerState open(Path dir) throws IOException, ProtocolException {
        return open(dir, StateFiles.FSYNC);
    }

    /** As {@link #open(Path)}, with the way directories are forced to disk given (tests record it). */
    static BrokerState open(Path dir, StateFiles.DirectorySync sync) throws IOException, ProtocolException {
        StateFiles files = new StateFiles(sync);
        if (!Files.exists(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_DIR));
            files.created(dir);
        }
        if (!Files.isDirectory(dir)) {
            throw new ProtocolException("--state " + dir + " is not a directory");
        }
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir);
        if (!OWNER_DIR.containsAll(mode)) {
            throw new ProtocolException("--state " + dir + " is open to other users (" + PosixFilePermissions.toString(mode)
                    + "); it holds master keys: chmod 700 it");
        }
        for (String sub : new String[] {"releases", "master-keys"}) {
            Path p = dir.resolve(sub);
            if (!Files.isDirectory(p)) {
                Files.createDirectories(p, PosixFilePermissions.asFileAttribute(OWNER_DIR));
                files.created(p);
            }
        }
        return new BrokerState(dir, files);
    }

    /** An existing state directory, for the offline commands (log, revoke); nothing is created. */
    public static BrokerState existing(Path dir) throws ProtocolException {
        return existing(dir, StateFiles.FSYNC);
    }

    /** As {@link #existing(Path)}, with the way directories are forced to disk given (tests record it). */
    static BrokerState existing(Path dir, StateFiles.DirectorySync sync) throws ProtocolException {
        if (!Files.isDirectory(dir.resolve("releases"))) {
            throw new ProtocolException("--state " + dir + " is not a broker's state directory (no releases/ in it)");
        }
        return new BrokerState(dir, new StateFiles(sync));
    }

    public Path dir() {
        return dir;
    }

    /** How this state's files are put in place durably. */
    StateFiles files() {
        return files;
    }

    Path releases() {
        return dir.resolve("releases");
    }

    Path masterKeys() {
        return dir.resolve("master-keys");
    }

    Path revoked() {
        return dir.resolve("revoked");
    }

    /** Records the broker's identity on first start; refuses a directory that belongs to another identity. */
    void claimFor(PublicIdentity broker) throws IOException, ProtocolException {
        Path f = dir.resolve(IDENTITY_FILE);
        if (Files.exists(f)) {
            PublicIdentity recorded = IdentityFiles.readPublic(f);
            if (!recorded.sameKeysAs(broker)) {
                throw new ProtocolException("--state " + dir + " belongs to the broker identity " + recorded.fingerprint()
                        + ", not " + broker.fingerprint() + "; give each identity its own state directory");
            }
            return;
        }
        IdentityFiles.writePublic(broker, f);
        files.created(f);
    }

    /** The identity recorded on first start, for checking the record offline. */
    public PublicIdentity recordedIdentity() throws IOException, ProtocolException {
        return IdentityFiles.readPublic(dir.resolve(IDENTITY_FILE));
    }

    /** The running broker's exclusive hold on the directory; released when the returned lock's channel closes. */
    FileLock lock() throws IOException, ProtocolException {
        FileChannel ch = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock l = ch.tryLock();
            if (l == null) {
                throw new ProtocolException("another broker is running on --state " + dir + "; stop it or give this one its own");
            }
            return l;
        } catch (OverlappingFileLockException e) {
            ch.close();
            throw new ProtocolException("another broker in this process is running on --state " + dir);
        } catch (IOException | ProtocolException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }
}
