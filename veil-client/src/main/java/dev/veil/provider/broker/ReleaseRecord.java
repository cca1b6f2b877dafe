package dev.veil.provider.broker;

import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.OwnerUnwrapLeaf;
import dev.veil.protocol.broker.RecordLeaf;
import dev.veil.protocol.broker.ReleaseLeaf;
import dev.veil.protocol.broker.ReleaseLogEntry;
import dev.veil.protocol.broker.ReleaseLogVerifier;
import dev.veil.protocol.broker.RevocationLeaf;
import dev.veil.protocol.broker.RevokedInstances;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.translog.MerkleLog;
import dev.veil.protocol.translog.SignedTreeHead;
import dev.veil.protocol.translog.TreeHead;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One contract's signed, append-only record of releases ({@code releases/HASH.log}): a line per release, and per unwrap
 * for the data provider itself ({@link OwnerUnwraps}), each with the head of the contract's RFC 9162 log after it,
 * signed by the broker's identity. A release or owner unwrap is answered only after its line is on disk (fsync), so
 * every key the broker gave is in the record. On start the whole record is verified
 * ({@link ReleaseLogVerifier}) and the broker continues the very tree it verified; a record that does not verify stops
 * the broker. A last line without its newline that is not a whole, verifying entry is a write the broker never
 * finished and so never answered: it is cut; a whole one (only its newline lost) is kept, since its key may have left.
 *
 * <p>The record cannot show from itself that it was cut at a line boundary or rolled back to an earlier copy, and a
 * shorter record counts fewer instances against max_instances. So the broker keeps, beside it, the signed head of
 * what it last made durable ({@code releases/HASH.head}, replaced atomically after each group fsync), and refuses to
 * start when the record is shorter than that head or disagrees with it; only the operator's explicit repair
 * ({@code --accept-record-rollback}) starts it then. A rollback of the whole state directory (both files) is not
 * detected here: instances and providers hold the broker's signed heads to compare.
 */
final class ReleaseRecord implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReleaseRecord.class);

    private final byte[] contractHash;
    private final String contractHex;
    private final Identity signer;
    private final MerkleLog tree;
    /** Every instance with a line written, on disk or not yet: what max_instances counts. */
    private final Set<String> instances = new HashSet<>();
    /** The revocations written (RevocationLedger keeps the broker's whole set in force). */
    private RevokedInstances revoked;
    /** Release lines written (the record's other entries are owner unwraps and revocations). */
    private long releases;
    /** Instances whose release is on disk: only these get data keys. */
    private final Set<String> durable = new HashSet<>();
    /** Lines written but not yet forced to disk, in file order. */
    private final ArrayDeque<Written> unsynced = new ArrayDeque<>();
    private final Object syncing = new Object();
    private final FileChannel out;
    private final StateFiles files;
    /** Where the newest durable head is kept beside the record ({@link #keepHead}). */
    private Path headFile;
    private long written;
    private volatile long synced;
    private SignedTreeHead head;
    private boolean broken;
    /** The newest entry's time: a clock set back never writes an older one, which the record's check would refuse. */
    private long lastTime;

    /** A line written, ending at {@code end} in the file; {@code instance} is null for an owner unwrap. */
    private record Written(long end, String instance, SignedTreeHead head) {
    }

    private ReleaseRecord(byte[] contractHash, Identity signer, MerkleLog tree, List<ReleaseLogEntry> entries, FileChannel out,
                          StateFiles files) {
        this.files = files;
        this.contractHash = contractHash.clone();
        this.contractHex = Digests.hex(contractHash);
        this.signer = signer;
        this.tree = tree;
        this.out = out;
        for (ReleaseLogEntry e : entries) {
            if (e.release() != null) {
                instances.add(e.release().instanceKeys());
                releases++;
            }
            head = e.head();
            lastTime = e.leaf().timestamp();
        }
        durable.addAll(instances);
        revoked = RevokedInstances.of(entries);
    }

    static Path file(BrokerState state, String contractHex) {
        return state.releases().resolve(contractHex + ".log");
    }

    static Path headFile(BrokerState state, String contractHex) {
        return state.releases().resolve(contractHex + ".head");
    }

    /** Every contract's record file in the state directory, in the order of their contract hashes. */
    static List<Path> files(BrokerState state) throws IOException {
        try (java.util.stream.Stream<Path> s = Files.list(state.releases())) {
            return s.filter(p -> p.getFileName().toString().matches("[0-9a-f]{64}\\.log")).sorted().toList();
        }
    }

    /**
     * Opens (and verifies) the record of {@code contractHash}, or starts an empty one.
     *
     * @param acceptRollback start although the record is shorter than its kept head (the operator's explicit repair)
     */
    static ReleaseRecord open(BrokerState state, byte[] contractHash, Identity signer, boolean acceptRollback)
            throws IOException, ProtocolException {
        String hex = Digests.hex(contractHash);
        Path f = file(state, hex);
        Path headFile = headFile(state, hex);
        if (!Files.exists(f)) {
            if (Files.exists(headFile) && !acceptRollback) {
                throw rolledBack(f, "is missing, but the broker kept a head for it");
            }
            Files.createFile(f, PosixFilePermissions.asFileAttribute(BrokerState.OWNER_FILE));
            state.files().created(f);
        }
        byte[] all = Files.readAllBytes(f);
        int complete = lastNewline(all) + 1;
        List<ReleaseLogEntry> entries = read(all, complete, f);
        MerkleLog tree = ReleaseLogVerifier.verify(entries, contractHash, signer.publicIdentity());
        boolean newlineLost = false;
        if (complete < all.length) {
            List<ReleaseLogEntry> withLast = wholeLastLine(all, complete, entries, contractHash, signer.publicIdentity());
            if (withLast != null) {
                LOG.warn("release record {}: its last line is whole and verifies but lost its newline; kept", f.getFileName());
                entries = withLast;
                tree = ReleaseLogVerifier.verify(entries, contractHash, signer.publicIdentity());
                newlineLost = true;
            } else {
                LOG.warn("release record {}: cutting an unfinished last line of {} bytes (a write the broker never answered)",
                        f.getFileName(), all.length - complete);
            }
        }
        requireNotRolledBack(f, headFile, entries, acceptRollback);
        FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE);
        long end = complete;
        if (newlineLost) {
            ch.position(all.length);
            ch.write(ByteBuffer.wrap(new byte[] {'\n'}));
            end = all.length + 1L;
        } else {
            ch.truncate(complete);
            ch.position(complete);
        }
        ch.force(true);
        ReleaseRecord r = new ReleaseRecord(contractHash, signer, tree, entries, ch, state.files());
        r.headFile = headFile;
        r.keepHead();
        r.written = end;
        r.synced = end;
        return r;
    }

    /** The entries with the unterminated last line added, if it is a whole entry and the record with it verifies; else null. */
    private static List<ReleaseLogEntry> wholeLastLine(byte[] all, int complete, List<ReleaseLogEntry> entries, byte[] contractHash,
                                                       PublicIdentity broker) {
        try {
            List<ReleaseLogEntry> with = new ArrayList<>(entries);
            with.add(BrokerMessages.logEntry(java.util.Arrays.copyOfRange(all, complete, all.length)));
            ReleaseLogVerifier.verify(with, contractHash, broker);
            return with;
        } catch (ProtocolException | RuntimeException unfinished) {
            return null;
        }
    }

    /** The record must reach the head the broker kept, and agree with it there. */
    private static void requireNotRolledBack(Path f, Path headFile, List<ReleaseLogEntry> entries, boolean acceptRollback)
            throws IOException, ProtocolException {
        Kept kept = readHead(headFile);
        if (kept == null) {
            if (!entries.isEmpty() && !acceptRollback) {
                throw rolledBack(f, "holds releases, but the head the broker keeps beside it (" + headFile.getFileName()
                        + ") is missing");
            }
            return;
        }
        long size = kept.size();
        String problem = null;
        if (entries.size() < size) {
            problem = "holds " + entries.size() + " release(s), fewer than the " + size + " the broker last made durable";
        } else if (size > 0 && !java.security.MessageDigest.isEqual(entries.get((int) size - 1).head().head().rootHash(),
                kept.root())) {
            problem = "does not match the head the broker last made durable (another history)";
        }
        if (problem != null) {
            if (!acceptRollback) {
                throw rolledBack(f, problem);
            }
            LOG.warn("release record {} {}; starting anyway (--accept-record-rollback): instances it forgot are not counted"
                    + " against max_instances", f.getFileName(), problem);
        }
    }

    private static ProtocolException rolledBack(Path f, String problem) {
        return new ProtocolException("release record " + f.getFileName() + " " + problem + ": it was cut or rolled back, and "
                + "it would forget instances counted against max_instances. Restore the record; or, to start from it "
                + "deliberately, pass --accept-record-rollback");
    }

    /** The head kept beside a record: its size and root (size 0, no root, for a record without releases). */
    record Kept(long size, byte[] root) {
    }

    /** The kept head, or null when there is no head file. */
    static Kept readHead(Path headFile) throws IOException, ProtocolException {
        byte[] b;
        try {
            b = Files.readAllBytes(headFile);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
        if (b.length == 0) {
            return new Kept(0, null);
        }
        SignedTreeHead h = Json.parse(b, SignedTreeHead.class, "the release record's kept head " + headFile.getFileName());
        return new Kept(h.head().treeSize(), h.head().rootHash());
    }

    /**
     * Replaces the kept head with the newest durable one, atomically (a crash leaves the old or the new): written whole
     * to {@code HASH.head.next}, forced to disk, renamed over the head, and the directory forced, so the rename itself
     * survives a crash (without it, a crash could bring back an older head than the releases already answered).
     * Once per group fsync, so its cost is on every release's path: a fixed scratch name (the broker holds the state
     * directory's lock, so no other writer exists; a scratch file a crash left is simply overwritten) instead of a
     * fresh uniquely named, locked one and a scan of the directory for abandoned ones each time.
     */
    private void keepHead() throws IOException {
        SignedTreeHead h;
        synchronized (this) {
            h = head;
        }
        files.replaceVia(headFile.resolveSibling(headFile.getFileName() + ".next"), headFile, h == null ? new byte[0] : Json.canonical(h));
    }

    /** The entries of a record file, parsed strictly; for the broker and for {@code veil broker log}. */
    static List<ReleaseLogEntry> read(Path f) throws IOException, ProtocolException {
        byte[] all = Files.readAllBytes(f);
        return read(all, lastNewline(all) + 1, f);
    }

    /** Verifies a record file offline against the broker's public identity; returns its entries. */
    static List<ReleaseLogEntry> verify(Path f, byte[] contractHash, PublicIdentity broker) throws IOException, ProtocolException {
        List<ReleaseLogEntry> entries = read(f);
        ReleaseLogVerifier.verify(entries, contractHash, broker);
        return entries;
    }

    private static List<ReleaseLogEntry> read(byte[] all, int complete, Path f) throws ProtocolException {
        List<ReleaseLogEntry> entries = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < complete; i++) {
            if (all[i] == '\n') {
                byte[] line = java.util.Arrays.copyOfRange(all, start, i);
                try {
                    entries.add(BrokerMessages.logEntry(line));
                } catch (ProtocolException e) {
                    throw new ProtocolException(f.getFileName() + " line " + (entries.size() + 1) + ": " + e.getMessage());
                }
                start = i + 1;
            }
        }
        return entries;
    }

    private static int lastNewline(byte[] all) {
        for (int i = all.length - 1; i >= 0; i--) {
            if (all[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Whether a release to this instance is on disk (a data-key caller must have one). */
    synchronized boolean released(String instanceHex) {
        return durable.contains(instanceHex);
    }

    /** Whether this instance already counts toward max_instances (a line for it is written, on disk or about to be). */
    synchronized boolean counted(String instanceHex) {
        return instances.contains(instanceHex);
    }

    synchronized int instanceCount() {
        return instances.size();
    }

    /** Releases written so far (not counting owner unwraps). */
    synchronized long releaseCount() {
        return releases;
    }

    synchronized long size() {
        return tree.size();
    }

    /** The newest signed head on disk, or null before the first release. */
    synchronized SignedTreeHead head() {
        return head;
    }

    /**
     * Writes a release and its signed head; {@link #awaitDurable} with the returned position waits until it is on disk.
     * The caller holds this record's lock from its max_instances check to here, so the count it checked is the count
     * this line makes.
     */
    synchronized long writeRelease(String instanceHex, byte[] evidence, Instant now) throws IOException {
        String evidenceSha256 = Digests.hex(Digests.sha256(evidence));
        long end = append((sequence, time) -> new ReleaseLeaf(ReleaseLeaf.VERSION, contractHex, sequence, time, instanceHex,
                evidenceSha256), instanceHex, now);
        instances.add(instanceHex);
        releases++;
        return end;
    }

    /**
     * Writes an unwrap for the data provider itself (who, under which master key, which wrapped key by its digest, the
     * wrapping instance or null) and its signed head; {@link #awaitDurable} as for a release.
     */
    synchronized long writeOwnerUnwrap(String ownerFingerprint, String masterKeyId, String wrappedKey, String wrappedBy, Instant now)
            throws IOException {
        String wrappedKeySha256 = Digests.hex(Digests.sha256(wrappedKey.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        return append((sequence, time) -> new OwnerUnwrapLeaf(OwnerUnwrapLeaf.VERSION, contractHex, sequence, time,
                ownerFingerprint, masterKeyId, wrappedKeySha256, wrappedBy), null, now);
    }

    /** The revocations this record holds, verified on open or written since. */
    synchronized RevokedInstances revocations() {
        return revoked;
    }

    /** Writes a revocation of one instance (or of every one, for null); {@link #awaitDurable} as for a release. */
    synchronized long writeRevocation(String instanceHex, Instant now) throws IOException {
        long end = append((sequence, time) -> RevocationLeaf.of(contractHex, sequence, time, instanceHex), null, now);
        revoked = revoked.with(instanceHex);
        return end;
    }

    /** The next leaf, given its sequence number and time. */
    private interface NextLeaf {
        RecordLeaf at(long sequence, long time);
    }

    /**
     * Appends a leaf at {@code now} (never earlier than the last: a clock set back never writes an older entry, which
     * the record's check would refuse), signs the new head and writes the line. A failed write leaves the tree ahead of
     * the file, so the record takes no more entries until the broker restarts and verifies what is on disk.
     */
    private long append(NextLeaf next, String instanceHex, Instant now) throws IOException {
        requireWhole();
        long time = Math.max(lastTime, now.getEpochSecond());
        RecordLeaf leaf = next.at(tree.size(), time);
        broken = true;
        tree.append(leaf.leafHash());
        long size = tree.size();
        TreeHead h = TreeHead.of(contractHash, size, tree.root(size), time);
        SignedTreeHead signed = new SignedTreeHead(h, signer.sign(h.signingMessage()));
        byte[] json = Json.canonical(ReleaseLogEntry.of(leaf, signed));
        ByteBuffer line = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
        while (line.hasRemaining()) {
            written += out.write(line);
        }
        broken = false;
        lastTime = time;
        unsynced.add(new Written(written, instanceHex, signed));
        return written;
    }

    /**
     * Returns once the file is on disk up to {@code end}. Group commit: one fsync covers every line written before it
     * started, so concurrent releases share the disk's latency instead of queueing for one fsync each.
     */
    void awaitDurable(long end) throws IOException {
        if (synced >= end) {
            return;
        }
        synchronized (syncing) {
            if (synced >= end) {
                return;
            }
            long target;
            synchronized (this) {
                requireWhole();
                target = written;
            }
            try {
                out.force(false);
            } catch (IOException e) {
                synchronized (this) {
                    broken = true;
                }
                throw e;
            }
            synchronized (this) {
                while (!unsynced.isEmpty() && unsynced.peek().end() <= target) {
                    Written w = unsynced.poll();
                    if (w.instance() != null) {
                        durable.add(w.instance());
                    }
                    head = w.head();
                }
            }
            try {
                keepHead();   // before any of these releases is answered, so a record cut back to before them is noticed
            } catch (IOException e) {
                synchronized (this) {
                    broken = true;
                }
                throw e;
            }
            synced = target;
        }
    }

    private void requireWhole() throws IOException {
        if (broken) {
            throw new IOException("the release record of " + contractHex + " failed a write; restart the broker");
        }
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
