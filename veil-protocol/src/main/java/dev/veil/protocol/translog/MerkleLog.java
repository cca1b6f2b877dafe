package dev.veil.protocol.translog;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An append-only Merkle tree over leaf hashes (RFC 9162 §2.1), in memory, safe to share between threads. It answers
 * for any earlier size as well as the current one: the root of every prefix, the inclusion proof of a leaf
 * (§2.1.3.1) and the consistency proof between two sizes (§2.1.4.1), so a head signed an hour ago can still be
 * proven consistent with today's.
 *
 * <p>Cost. A server appends on every request for days, so nothing here is linear in the log's size. Besides the leaf
 * hashes the log keeps the hash of every complete, aligned subtree of {@value #CACHED_FROM_HEIGHT} or more levels
 * (16 leaves and up); a subtree smaller than that is rehashed from its leaves when asked for (at most 15 hashes).
 * Appending costs about one hash amortised (O(log n) at worst, when it completes a large subtree); a root or a
 * proof costs O(log² n) hashes at worst. Memory is 32 bytes per leaf for the leaf hashes plus about 4 bytes per leaf
 * for the cached subtrees (1/8 of a hash per leaf), in chunks of 128 KiB: 36 MB per million requests. Nothing is
 * written to disk: the log lives and ends with the enclave instance whose key signs its heads.
 */
public final class MerkleLog {
    /** Subtrees of this height (2^4 = 16 leaves) and above are cached; lower ones are recomputed from the leaves. */
    static final int CACHED_FROM_HEIGHT = 4;
    private final HashStore leaves = new HashStore();
    /** cached.get(h - CACHED_FROM_HEIGHT).get(i): the hash of leaves [i·2^h, (i+1)·2^h). */
    private final List<HashStore> cached = new ArrayList<>();

    /** Appends a leaf hash ({@link MerkleHash#leaf}) and returns its index. */
    public synchronized long append(byte[] leafHash) {
        if (leafHash == null || leafHash.length != MerkleHash.LENGTH) {
            throw new IllegalArgumentException("a leaf hash is " + MerkleHash.LENGTH + " bytes");
        }
        long index = leaves.size();
        leaves.add(leafHash);
        long n = index + 1;
        for (int h = CACHED_FROM_HEIGHT; h < Long.SIZE - 1 && (n & ((1L << h) - 1)) == 0; h++) {
            long i = (n >>> h) - 1;
            if (cached.size() == h - CACHED_FROM_HEIGHT) {
                cached.add(new HashStore());
            }
            cached.get(h - CACHED_FROM_HEIGHT).add(MerkleHash.node(node(h - 1, 2 * i), node(h - 1, 2 * i + 1)));
        }
        return index;
    }

    public synchronized long size() {
        return leaves.size();
    }

    /** The Merkle Tree Hash of the first {@code treeSize} leaves (the empty-tree hash for 0). */
    public synchronized byte[] root(long treeSize) {
        requireSize(treeSize);
        return treeSize == 0 ? MerkleHash.emptyRoot() : subtree(0, treeSize);
    }

    /** PATH(leafIndex, D[0:treeSize]) of RFC 9162 §2.1.3.1, from the leaf's sibling up to the root's child. */
    public synchronized InclusionProof inclusionProof(long leafIndex, long treeSize) {
        requireSize(treeSize);
        if (leafIndex < 0 || leafIndex >= treeSize) {
            throw new IllegalArgumentException("leaf " + leafIndex + " is not in a tree of size " + treeSize);
        }
        List<byte[]> path = new ArrayList<>();
        long start = 0;
        long size = treeSize;
        long m = leafIndex;
        while (size > 1) {
            long k = Long.highestOneBit(size - 1);
            if (m < k) {
                path.add(subtree(start + k, size - k));
                size = k;
            } else {
                path.add(subtree(start, k));
                start += k;
                m -= k;
                size -= k;
            }
        }
        Collections.reverse(path);
        return new InclusionProof(leafIndex, treeSize, path);
    }

    /**
     * PROOF(fromSize, D[0:toSize]) of RFC 9162 §2.1.4.1. Empty when there is nothing to prove: from the empty tree,
     * or between equal sizes.
     */
    public synchronized ConsistencyProof consistencyProof(long fromSize, long toSize) {
        requireSize(toSize);
        if (fromSize < 0 || fromSize > toSize) {
            throw new IllegalArgumentException("no consistency proof from size " + fromSize + " to size " + toSize
                    + ": a log only grows");
        }
        List<byte[]> path = new ArrayList<>();
        if (fromSize > 0 && fromSize < toSize) {
            subproof(fromSize, 0, toSize, true, path);
        }
        return new ConsistencyProof(fromSize, toSize, path);
    }

    /** SUBPROOF(m, D[start:start+n], b) of RFC 9162 §2.1.4.1. */
    private void subproof(long m, long start, long n, boolean complete, List<byte[]> out) {
        if (m == n) {
            if (!complete) {
                out.add(subtree(start, m));
            }
            return;
        }
        long k = Long.highestOneBit(n - 1);
        if (m <= k) {
            subproof(m, start, k, complete, out);
            out.add(subtree(start + k, n - k));
        } else {
            subproof(m - k, start + k, n - k, false, out);
            out.add(subtree(start, k));
        }
    }

    /**
     * MTH(D[start:start+size]) for size ≥ 1. The RFC's split puts every left part on a boundary of its own (power of
     * two) size, so each is one cached or quickly rebuilt node; only the ragged right edge is hashed as it goes.
     */
    private byte[] subtree(long start, long size) {
        if (Long.bitCount(size) == 1 && start % size == 0) {
            return node(Long.numberOfTrailingZeros(size), start / size);
        }
        long k = Long.highestOneBit(size - 1);
        return MerkleHash.node(subtree(start, k), subtree(start + k, size - k));
    }

    /** The hash of the complete subtree of height h at position i: leaves [i·2^h, (i+1)·2^h). */
    private byte[] node(int height, long index) {
        if (height == 0) {
            return leaves.get(index);
        }
        if (height >= CACHED_FROM_HEIGHT) {
            return cached.get(height - CACHED_FROM_HEIGHT).get(index);
        }
        return MerkleHash.node(node(height - 1, 2 * index), node(height - 1, 2 * index + 1));
    }

    private void requireSize(long treeSize) {
        if (treeSize < 0 || treeSize > leaves.size()) {
            throw new IllegalArgumentException("tree size " + treeSize + " is not between 0 and the log's size " + leaves.size());
        }
    }
}
