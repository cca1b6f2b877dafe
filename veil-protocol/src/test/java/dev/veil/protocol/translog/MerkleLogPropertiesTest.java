package dev.veil.protocol.translog;

import static dev.veil.protocol.translog.MerkleReferenceVectorsTest.flipped;
import static dev.veil.protocol.translog.MerkleReferenceVectorsTest.hexes;
import static dev.veil.protocol.translog.MerkleReferenceVectorsTest.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.json.ProtocolException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every proof of every small tree verifies, and every tampering with one fails: each path element changed in one
 * bit (the bit's position moves with the tree, leaf and element, so the suite flips all 256 positions), each element
 * dropped, one element too many at either end, a neighbour's index, a deeper tree, another root. (A size that keeps
 * the tree's shape up to the proven root, such as 4 instead of 3 for leaf 0, is no tampering a proof can show: the
 * size is bound by the signed head, and {@link LogVerifier} requires the proof's size to be the head's.) The cached log
 * also agrees with the RFC's recursion written out literally ({@link ReferenceTree}) across the sizes where its
 * cache begins (16 leaves) and doubles.
 */
class MerkleLogPropertiesTest {
    private static final int MAX = 64;

    @Test
    void everyInclusionProofUpTo64LeavesVerifiesAndEveryTamperingFails() throws Exception {
        List<byte[]> leaves = leafHashes(MAX);
        MerkleLog log = logOf(leaves);
        int bit = 0;
        for (int n = 1; n <= MAX; n++) {
            byte[] root = log.root(n);
            byte[] otherRoot = log.root(n == 1 ? 2 : n - 1);
            for (int i = 0; i < n; i++) {
                InclusionProof proof = log.inclusionProof(i, n);
                MerkleProofs.verifyInclusion(leaves.get(i), proof, root);
                List<byte[]> p = proof.path();
                String at = "leaf " + i + " of " + n;
                refused(at + ", other leaf", leaves.get((i + 1) % Math.max(n, 2)), proof, root, n > 1);
                refused(at + ", other root", leaves.get(i), proof, otherRoot, true);
                refused(at + ", next index", leaves.get(i), new InclusionProof(i + 1, n, p), root, true);
                refused(at + ", twice the tree size", leaves.get(i), new InclusionProof(i, 2L * n, p), root, true);
                refused(at + ", extended at the end", leaves.get(i), new InclusionProof(i, n, with(p, p.size(), root)), root, true);
                refused(at + ", extended at the front", leaves.get(i), new InclusionProof(i, n, with(p, 0, root)), root, true);
                for (int e = 0; e < p.size(); e++) {
                    List<byte[]> shorter = new ArrayList<>(p);
                    shorter.remove(e);
                    refused(at + ", element " + e + " dropped", leaves.get(i), new InclusionProof(i, n, shorter), root, true);
                    refused(at + ", element " + e + " bit " + bit, leaves.get(i), new InclusionProof(i, n, flipped(p, e, bit)), root, true);
                    bit = (bit + 1) % 256;
                }
            }
        }
    }

    @Test
    void everyConsistencyProofUpTo64LeavesVerifiesAndEveryTamperingFails() throws Exception {
        MerkleLog log = logOf(leafHashes(MAX));
        int bit = 0;
        for (int n = 1; n <= MAX; n++) {
            byte[] second = log.root(n);
            for (int m = 1; m < n; m++) {
                byte[] first = log.root(m);
                ConsistencyProof proof = log.consistencyProof(m, n);
                MerkleProofs.verifyConsistency(proof, first, second);
                List<byte[]> p = proof.path();
                String at = m + " to " + n;
                refused(at + ", roots swapped", proof, second, first);
                refused(at + ", older root of another size", proof, log.root(m == 1 ? 2 : m - 1), second);
                refused(at + ", newer root of another size", proof, first, log.root(n - 1));
                refused(at + ", other first size", new ConsistencyProof(m == 1 ? 2 : m - 1, n, p), first, second);
                refused(at + ", twice the second size", new ConsistencyProof(m, 2L * n, p), first, second);
                refused(at + ", extended at the end", new ConsistencyProof(m, n, with(p, p.size(), second)), first, second);
                refused(at + ", extended at the front", new ConsistencyProof(m, n, with(p, 0, first)), first, second);
                for (int e = 0; e < p.size(); e++) {
                    List<byte[]> shorter = new ArrayList<>(p);
                    shorter.remove(e);
                    refused(at + ", element " + e + " dropped", new ConsistencyProof(m, n, shorter), first, second);
                    refused(at + ", element " + e + " bit " + bit, new ConsistencyProof(m, n, flipped(p, e, bit)), first, second);
                    bit = (bit + 1) % 256;
                }
            }
        }
    }

    @Test
    void cachedLogAgreesWithTheLiteralRecursion() {
        int max = 130;
        List<byte[]> leaves = leafHashes(max);
        MerkleLog log = logOf(leaves);
        HexFormat hex = HexFormat.of();
        for (int n = 0; n <= max; n++) {
            List<byte[]> d = leaves.subList(0, n);
            assertThat(hex.formatHex(log.root(n))).as("root of %d", n).isEqualTo(hex.formatHex(ReferenceTree.mth(d)));
            for (int i = 0; i < n; i += 1 + n / 5) {
                assertThat(hexes(log.inclusionProof(i, n).path())).as("leaf %d of %d", i, n).isEqualTo(hexes(ReferenceTree.path(i, d)));
            }
            for (int m = 1; m < n; m += 1 + n / 5) {
                assertThat(hexes(log.consistencyProof(m, n).path())).as("%d to %d", m, n).isEqualTo(hexes(ReferenceTree.proof(m, d)));
            }
        }
    }

    @Test
    void aLogAnswersOnlyForSizesItHasReached() {
        MerkleLog log = logOf(leafHashes(5));
        assertThatThrownBy(() -> log.root(6)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> log.inclusionProof(5, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> log.inclusionProof(0, 6)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> log.consistencyProof(4, 3)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only grows");
        assertThatThrownBy(() -> log.consistencyProof(2, 6)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> log.append(new byte[31])).isInstanceOf(IllegalArgumentException.class);
        assertThat(log.consistencyProof(0, 5).path()).isEmpty();
        assertThat(log.consistencyProof(5, 5).path()).isEmpty();
    }

    private static void refused(String what, byte[] leaf, InclusionProof proof, byte[] root, boolean expectRefusal) {
        if (!expectRefusal) {
            return;
        }
        assertThatThrownBy(() -> MerkleProofs.verifyInclusion(leaf, proof, root)).as(what).isInstanceOf(ProtocolException.class);
    }

    private static void refused(String what, ConsistencyProof proof, byte[] first, byte[] second) {
        assertThatThrownBy(() -> MerkleProofs.verifyConsistency(proof, first, second)).as(what).isInstanceOf(ProtocolException.class);
    }

    static List<byte[]> leafHashes(int n) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(MerkleHash.leaf(ByteBuffer.allocate(8).putLong(i).array()));
        }
        return out;
    }

    static MerkleLog logOf(List<byte[]> leafHashes) {
        MerkleLog log = new MerkleLog();
        leafHashes.forEach(log::append);
        return log;
    }
}
