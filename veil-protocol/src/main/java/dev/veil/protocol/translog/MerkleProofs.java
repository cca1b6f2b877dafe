package dev.veil.protocol.translog;

import dev.veil.protocol.json.ProtocolException;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks RFC 9162 proofs: inclusion (§2.1.3.2) and consistency (§2.1.4.2), step by step as the RFC writes them (its
 * step numbers are in the comments), so that a reader can compare. Each check ends normally or throws a
 * {@link ProtocolException} that says what was wrong. The RFC's bookkeeping of fn and sn is what makes the path
 * length exact: a path with a hash too many runs into sn = 0 before its end, one a hash short ends with sn ≠ 0.
 */
public final class MerkleProofs {
    private MerkleProofs() {
    }

    /** That {@code leafHash} is leaf {@code proof.leafIndex()} of the tree of {@code proof.treeSize()} leaves whose root is {@code rootHash}. */
    public static void verifyInclusion(byte[] leafHash, InclusionProof proof, byte[] rootHash) throws ProtocolException {
        requireHash(leafHash, "leaf hash");
        requireHash(rootHash, "root hash");
        long index = proof.leafIndex();
        long size = proof.treeSize();
        // 1. leaf_index must be below tree_size (which also refuses every proof in the empty tree)
        if (index >= size) {
            throw new ProtocolException("inclusion proof is for leaf " + index + " of a tree of " + size
                    + " leaves: the leaf index must be below the tree size");
        }
        // 2. fn = leaf_index, sn = tree_size - 1; 3. r = hash
        long fn = index;
        long sn = size - 1;
        byte[] r = leafHash;
        List<byte[]> path = proof.path();
        // 4. for each p in the inclusion path
        for (byte[] p : path) {
            // 4a. sn = 0 with hashes left: the path is longer than the tree is deep
            if (sn == 0) {
                throw new ProtocolException("inclusion proof has " + path.size() + " hashes, more than leaf " + index
                        + " of a tree of " + size + " leaves needs: trailing proof elements are refused");
            }
            // 4b. p is a left sibling when fn is a right child, or when fn is the last node of its level
            if ((fn & 1) == 1 || fn == sn) {
                r = MerkleHash.node(p, r);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>>= 1;
                    sn >>>= 1;
                }
            } else {
                r = MerkleHash.node(r, p);
            }
            // 4c.
            fn >>>= 1;
            sn >>>= 1;
        }
        // 5. sn must be 0 (the path reached the root) and r must be the root
        if (sn != 0) {
            throw new ProtocolException("inclusion proof has " + path.size() + " hashes, fewer than leaf " + index
                    + " of a tree of " + size + " leaves needs: the proof is truncated");
        }
        if (!MerkleHash.same(r, rootHash)) {
            throw new ProtocolException("inclusion proof for leaf " + index + " of " + size
                    + " leaves does not lead to the signed root: this leaf is not in the signed tree");
        }
    }

    /**
     * That the tree of {@code proof.fromSize()} leaves with root {@code firstRoot} is a prefix of the tree of
     * {@code proof.toSize()} leaves with root {@code secondRoot}. RFC 9162 defines the proof for 0 &lt; first &lt;
     * second; the other cases are settled without one: a smaller second size is refused (a log never shrinks), equal
     * sizes need equal roots and an empty path, and the empty tree (whose root must be SHA-256 of nothing) is a prefix
     * of every tree, with an empty path.
     */
    public static void verifyConsistency(ConsistencyProof proof, byte[] firstRoot, byte[] secondRoot) throws ProtocolException {
        requireHash(firstRoot, "first root hash");
        requireHash(secondRoot, "second root hash");
        long first = proof.fromSize();
        long second = proof.toSize();
        List<byte[]> given = proof.path();
        if (first > second) {
            throw new ProtocolException("consistency proof goes from " + first + " leaves down to " + second
                    + ": a log never shrinks");
        }
        if (first == second || first == 0) {
            if (!given.isEmpty()) {
                throw new ProtocolException("consistency proof from " + first + " to " + second + " leaves must be empty, it has "
                        + given.size() + " hashes: trailing proof elements are refused");
            }
            if (first == second && !MerkleHash.same(firstRoot, secondRoot)) {
                throw new ProtocolException("two different roots for the same tree size " + first);
            }
            if (first == 0 && !MerkleHash.same(firstRoot, MerkleHash.emptyRoot())) {
                throw new ProtocolException("a tree of 0 leaves has the empty-tree root, and this one does not");
            }
            return;
        }
        // 1. an empty path proves nothing between two different sizes
        if (given.isEmpty()) {
            throw new ProtocolException("consistency proof from " + first + " to " + second + " leaves is empty");
        }
        // 2. when first is a power of two its root is a node of the second tree, and starts the path
        List<byte[]> path = new ArrayList<>(given.size() + 1);
        if (Long.bitCount(first) == 1) {
            path.add(firstRoot);
        }
        path.addAll(given);
        // 3.
        long fn = first - 1;
        long sn = second - 1;
        // 4.
        while ((fn & 1) == 1) {
            fn >>>= 1;
            sn >>>= 1;
        }
        // 5.
        byte[] fr = path.get(0);
        byte[] sr = path.get(0);
        // 6.
        for (byte[] c : path.subList(1, path.size())) {
            // 6a.
            if (sn == 0) {
                throw new ProtocolException("consistency proof from " + first + " to " + second + " leaves has "
                        + given.size() + " hashes, more than it needs: trailing proof elements are refused");
            }
            // 6b.
            if ((fn & 1) == 1 || fn == sn) {
                fr = MerkleHash.node(c, fr);
                sr = MerkleHash.node(c, sr);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>>= 1;
                    sn >>>= 1;
                }
            } else {
                sr = MerkleHash.node(sr, c);
            }
            // 6c.
            fn >>>= 1;
            sn >>>= 1;
        }
        // 7.
        if (sn != 0) {
            throw new ProtocolException("consistency proof from " + first + " to " + second + " leaves has "
                    + given.size() + " hashes, fewer than it needs: the proof is truncated");
        }
        if (!MerkleHash.same(fr, firstRoot)) {
            throw new ProtocolException("consistency proof does not lead to the root of the tree of " + first + " leaves");
        }
        if (!MerkleHash.same(sr, secondRoot)) {
            throw new ProtocolException("consistency proof does not lead to the root of the tree of " + second + " leaves");
        }
    }

    private static void requireHash(byte[] h, String what) throws ProtocolException {
        if (h == null || h.length != MerkleHash.LENGTH) {
            throw new ProtocolException(what + " is not a " + MerkleHash.LENGTH + "-byte hash");
        }
    }
}
