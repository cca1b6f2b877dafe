package dev.veil.protocol.translog;

import java.security.PrivateKey;
import java.time.Clock;

/**
 * The enclave's log of one contract's answered requests: it appends a leaf per answer and signs tree heads with the
 * instance key. Safe to share between request threads; appends are ordered by a lock, and heads are signed outside
 * it (an Ed25519 signature costs more than an append).
 */
public final class TransparencyLog {
    private final byte[] contractHash;
    private final PrivateKey instanceKey;
    private final Clock clock;
    private final MerkleLog tree = new MerkleLog();

    public TransparencyLog(byte[] contractHash, PrivateKey instanceKey, Clock clock) {
        this.contractHash = Bytes32.copy(contractHash, "contract hash");
        this.instanceKey = instanceKey;
        this.clock = clock;
    }

    /**
     * Logs one answered request: the leaf takes the next sequence number and the current time, and the result carries
     * the leaf, its inclusion proof and the signed head of the tree that ends with it, for the data provider's
     * receipt.
     */
    public LogInclusion append(LeafCommitments commitments) {
        LogLeaf leaf;
        InclusionProof proof;
        TreeHead head;
        synchronized (tree) {
            long sequence = tree.size();
            long now = clock.instant().getEpochSecond();
            leaf = LogLeaf.of(contractHash, sequence, now, commitments);
            tree.append(leaf.leafHash());
            proof = tree.inclusionProof(sequence, sequence + 1);
            head = TreeHead.of(contractHash, sequence + 1, tree.root(sequence + 1), now);
        }
        return new LogInclusion(leaf, proof, TreeHeadSigner.sign(head, instanceKey));
    }

    /** A freshly signed head of the log as it is now (the model provider's audit, the discard receipt's final head). */
    public SignedTreeHead head() {
        TreeHead head;
        synchronized (tree) {
            long size = tree.size();
            head = TreeHead.of(contractHash, size, tree.root(size), clock.instant().getEpochSecond());
        }
        return TreeHeadSigner.sign(head, instanceKey);
    }

    /** The proof that the log at {@code toSize} extends the log at {@code fromSize}; for the model provider's audit. */
    public ConsistencyProof consistency(long fromSize, long toSize) {
        return tree.consistencyProof(fromSize, toSize);
    }

    /** A proof that leaf {@code leafIndex} is in the log at {@code treeSize}, for a data provider checking a later head. */
    public InclusionProof inclusion(long leafIndex, long treeSize) {
        return tree.inclusionProof(leafIndex, treeSize);
    }

    public long size() {
        return tree.size();
    }
}
