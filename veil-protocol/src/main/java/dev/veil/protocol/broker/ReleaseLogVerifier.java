package dev.veil.protocol.broker;

import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.translog.MerkleLog;
import dev.veil.protocol.translog.SignedTreeHead;
import dev.veil.protocol.translog.TreeHead;
import java.security.MessageDigest;
import java.util.List;

/**
 * Checks one contract's release record from its first line: each entry (a release, an owner unwrap or a revocation,
 * each hashed under its own label, so none passes for another) is the next in
 * sequence, for this contract, no older than the one before, and each line's head is signed by the broker's identity for this contract over
 * exactly the releases so far (RFC 9162 tree hashing). The tree it rebuilds is returned, so the broker that verified
 * its record on start appends to the very tree it verified.
 */
public final class ReleaseLogVerifier {
    private ReleaseLogVerifier() {
    }

    public static MerkleLog verify(List<ReleaseLogEntry> entries, byte[] contractHash, PublicIdentity broker) throws ProtocolException {
        MerkleLog tree = new MerkleLog();
        String contractHex = Digests.hex(contractHash);
        long lastTime = 0;
        for (ReleaseLogEntry e : entries) {
            RecordLeaf r = e.leaf();
            long n = tree.size();
            if (!r.contractHash().equals(contractHex)) {
                throw new ProtocolException("entry " + n + " is for contract " + r.contractHash() + ", not " + contractHex);
            }
            if (r.sequence() != n) {
                throw new ProtocolException("entry " + n + " carries sequence " + r.sequence() + ": an entry was removed, added or moved");
            }
            if (r.timestamp() < lastTime) {
                throw new ProtocolException("entry " + n + " is older than the entry before it");
            }
            lastTime = r.timestamp();
            tree.append(r.leafHash());
            requireHead(e.head(), contractHash, tree.size(), tree.root(tree.size()), broker);
        }
        return tree;
    }

    /** That {@code signed} is the broker's signed head of this contract's log at {@code size} leaves with {@code root}. */
    public static TreeHead requireHead(SignedTreeHead signed, byte[] contractHash, long size, byte[] root, PublicIdentity broker)
            throws ProtocolException {
        TreeHead h = signed.head();
        if (!broker.verify(h.signingMessage(), signed.signature())) {
            throw new ProtocolException("the head of " + h.treeSize() + " releases is not signed by the broker's identity "
                    + broker.fingerprint() + ": the record was altered");
        }
        if (!MessageDigest.isEqual(h.contractHash(), contractHash)) {
            throw new ProtocolException("a head of the record is for another contract");
        }
        if (h.treeSize() != size || !MessageDigest.isEqual(h.rootHash(), root)) {
            throw new ProtocolException("the head after release " + (size - 1) + " does not match the releases recorded up to it:"
                    + " the record was altered");
        }
        return h;
    }
}
