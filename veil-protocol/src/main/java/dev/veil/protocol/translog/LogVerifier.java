package dev.veil.protocol.translog;

import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import java.security.MessageDigest;

/**
 * What each party checks of the log, offline, with the instance keys it has already appraised (evidence verified
 * against the contract, keys bound in the report data): this class trusts them and checks only what they signed.
 * <ul>
 *   <li>A data provider: that its leaf is in a tree whose head the instance signed for this contract
 *   ({@link #verifyInclusion}), and that the leaf's commitments are to its own request, response and identity
 *   ({@link #verifyOpening}).</li>
 *   <li>The model provider, auditing: that a head is signed for this contract ({@link #verifyHead}), so its size is
 *   how many requests were answered, and that a later head extends an earlier one ({@link #verifyConsistency}): the
 *   log neither shrank nor forked.</li>
 * </ul>
 * Every failure is a {@link ProtocolException} whose message says what did not hold.
 */
public final class LogVerifier {
    private LogVerifier() {
    }

    /** The head, once its signature verifies with the instance's signing key and it names this contract. */
    public static TreeHead verifyHead(SignedTreeHead signed, InstanceKeys instanceKeys, byte[] contractHash) throws ProtocolException {
        TreeHead head = signed.head();
        if (!Ed25519Check.verify(instanceKeys.signingKey(), head.signingMessage(), signed.signature())) {
            throw new ProtocolException("tree head of " + head.treeSize() + " leaves is not signed by this enclave instance's key:"
                    + " it was altered, or another instance signed it");
        }
        if (!MessageDigest.isEqual(head.contractHash(), contractHash)) {
            throw new ProtocolException("tree head is for contract " + Digests.hex(head.contractHash()) + ", expected "
                    + Digests.hex(contractHash));
        }
        return head;
    }

    /**
     * That the leaf is number {@code proof.leafIndex()} of the tree the signed head describes: head signed for this
     * contract, leaf for this contract, proof for the head's size and the leaf's sequence number, and the proof
     * leading from the leaf's hash to the signed root. Returns the verified head.
     */
    public static TreeHead verifyInclusion(LogInclusion inclusion, InstanceKeys instanceKeys, byte[] contractHash) throws ProtocolException {
        TreeHead head = verifyHead(inclusion.head(), instanceKeys, contractHash);
        LogLeaf leaf = inclusion.leaf();
        InclusionProof proof = inclusion.proof();
        if (!MessageDigest.isEqual(leaf.contractHash(), contractHash)) {
            throw new ProtocolException("log leaf is for contract " + Digests.hex(leaf.contractHash()) + ", expected "
                    + Digests.hex(contractHash));
        }
        if (proof.treeSize() != head.treeSize()) {
            throw new ProtocolException("inclusion proof is for a tree of " + proof.treeSize() + " leaves, the signed head is of "
                    + head.treeSize());
        }
        if (proof.leafIndex() != leaf.sequence()) {
            throw new ProtocolException("inclusion proof is for leaf " + proof.leafIndex() + ", the log leaf is number " + leaf.sequence());
        }
        MerkleProofs.verifyInclusion(leaf.leafHash(), proof, head.rootHash());
        return head;
    }

    /**
     * That the leaf's commitments open to this request, this response and this requester with the salts the data
     * provider received: the leaf is about its request, not another's.
     */
    public static void verifyOpening(LogLeaf leaf, LeafSalts salts, byte[] requestSha256, byte[] responseSha256,
                                     PublicIdentity requester) throws ProtocolException {
        String differs = leaf.commitments().firstDifference(LeafCommitments.commit(salts, requestSha256, responseSha256, requester));
        if (differs != null) {
            throw new ProtocolException("log leaf " + leaf.sequence() + " does not commit to this " + differs
                    + " with these salts: it records another request");
        }
    }

    /**
     * That {@code newer} extends {@code older}: both signed by this instance for this contract, the newer no smaller,
     * and the consistency proof leading from the older root to the newer. Returns the newer head.
     */
    public static TreeHead verifyConsistency(SignedTreeHead older, SignedTreeHead newer, ConsistencyProof proof,
                                             InstanceKeys instanceKeys, byte[] contractHash) throws ProtocolException {
        TreeHead first = verifyHead(older, instanceKeys, contractHash);
        TreeHead second = verifyHead(newer, instanceKeys, contractHash);
        if (second.treeSize() < first.treeSize()) {
            throw new ProtocolException("the log shrank: the instance signed a head of " + first.treeSize()
                    + " leaves, and now one of " + second.treeSize());
        }
        if (second.treeSize() == first.treeSize() && !MessageDigest.isEqual(first.rootHash(), second.rootHash())) {
            throw new ProtocolException("the log forked: the instance signed two different roots for " + first.treeSize() + " leaves");
        }
        if (proof.fromSize() != first.treeSize() || proof.toSize() != second.treeSize()) {
            throw new ProtocolException("consistency proof is from " + proof.fromSize() + " to " + proof.toSize()
                    + " leaves, the heads are of " + first.treeSize() + " and " + second.treeSize());
        }
        try {
            MerkleProofs.verifyConsistency(proof, first.rootHash(), second.rootHash());
        } catch (ProtocolException e) {
            throw new ProtocolException("the head of " + second.treeSize() + " leaves is not shown to extend the head of "
                    + first.treeSize() + " (" + e.getMessage() + "): the log forked or rewrote its history, or the proof is not"
                    + " the log's");
        }
        return second;
    }
}
