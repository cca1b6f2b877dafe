package dev.veil.protocol.translog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.json.ProtocolException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Known answers from an implementation other than ours. RFC 9162 has no vectors inline; these are the reference
 * vectors of RFC 6962's Certificate Transparency implementation, as transparency-dev/merkle carries them in
 * proof/verify_test.go (commit 02194e9afb6c1d95b5381350007963aa70fff472; the same eight leaves and roots are in
 * google/certificate-transparency's merkle_tree_test.cc). There the leaf numbers of the proofs count from 1; here
 * from 0. The corruptions are those of that file's corruptInclusionProof and corruptConsistencyProof.
 */
class MerkleReferenceVectorsTest {
    private static final HexFormat HEX = HexFormat.of();
    static final List<byte[]> LEAVES = hex("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
            "606162636465666768696a6b6c6d6e6f");
    /** Roots of the trees of 0 to 8 of those leaves. */
    static final List<byte[]> ROOTS = hex(
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
    private static final byte[] SOME_HASH = HEX.parseHex("abacaba000000000000000000000000000000000000000000060061e00123456");

    record Inclusion(long leafIndex, long treeSize, List<byte[]> path) {
    }

    record Consistency(long fromSize, long toSize, List<byte[]> path) {
    }

    static final List<Inclusion> INCLUSIONS = List.of(
            new Inclusion(0, 1, List.of()),
            new Inclusion(0, 8, hex("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
            new Inclusion(5, 8, hex("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
            new Inclusion(2, 3, hex("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
            new Inclusion(1, 5, hex("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")));

    static final List<Consistency> CONSISTENCIES = List.of(
            new Consistency(1, 1, List.of()),
            new Consistency(1, 8, hex("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")),
            new Consistency(6, 8, hex("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")),
            new Consistency(2, 5, hex("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")),
            new Consistency(6, 7, hex("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")));

    static MerkleLog referenceLog() {
        MerkleLog log = new MerkleLog();
        for (byte[] leaf : LEAVES) {
            log.append(MerkleHash.leaf(leaf));
        }
        return log;
    }

    @Test
    void rootOfEveryPrefixIsTheReferenceRoot() {
        MerkleLog log = referenceLog();
        for (int n = 0; n <= LEAVES.size(); n++) {
            assertThat(HEX.formatHex(log.root(n))).as("root of the first %d leaves", n).isEqualTo(HEX.formatHex(ROOTS.get(n)));
        }
    }

    @Test
    void inclusionProofsAreTheReferenceProofsAndVerify() throws Exception {
        MerkleLog log = referenceLog();
        for (Inclusion v : INCLUSIONS) {
            InclusionProof built = log.inclusionProof(v.leafIndex(), v.treeSize());
            assertThat(hexes(built.path())).as("leaf %d of %d", v.leafIndex(), v.treeSize()).isEqualTo(hexes(v.path()));
            MerkleProofs.verifyInclusion(MerkleHash.leaf(LEAVES.get((int) v.leafIndex())),
                    new InclusionProof(v.leafIndex(), v.treeSize(), v.path()), ROOTS.get((int) v.treeSize()));
        }
    }

    @Test
    void consistencyProofsAreTheReferenceProofsAndVerify() throws Exception {
        MerkleLog log = referenceLog();
        for (Consistency v : CONSISTENCIES) {
            ConsistencyProof built = log.consistencyProof(v.fromSize(), v.toSize());
            assertThat(hexes(built.path())).as("%d to %d", v.fromSize(), v.toSize()).isEqualTo(hexes(v.path()));
            MerkleProofs.verifyConsistency(new ConsistencyProof(v.fromSize(), v.toSize(), v.path()),
                    ROOTS.get((int) v.fromSize()), ROOTS.get((int) v.toSize()));
        }
    }

    @Test
    void corruptedReferenceInclusionProofsFail() {
        for (Inclusion v : INCLUSIONS) {
            if (v.path().isEmpty()) {
                continue;
            }
            long i = v.leafIndex();
            long n = v.treeSize();
            byte[] leaf = MerkleHash.leaf(LEAVES.get((int) i));
            byte[] root = ROOTS.get((int) n);
            List<byte[]> p = v.path();
            List<String> wrong = new ArrayList<>();
            if (i > 0) {
                probe(wrong, "leafIndex - 1", leaf, new InclusionProof(i - 1, n, p), root);
            }
            probe(wrong, "leafIndex + 1", leaf, new InclusionProof(i + 1, n, p), root);
            probe(wrong, "leafIndex ^ 2", leaf, new InclusionProof(i ^ 2, n, p), root);
            probe(wrong, "treeSize * 2", leaf, new InclusionProof(i, n * 2, p), root);
            probe(wrong, "treeSize / 2", leaf, new InclusionProof(i, n / 2, p), root);
            probe(wrong, "wrong leaf", MerkleHash.leaf("WrongLeaf".getBytes()), new InclusionProof(i, n, p), root);
            probe(wrong, "empty root", leaf, new InclusionProof(i, n, p), ROOTS.get(0));
            probe(wrong, "random root", leaf, new InclusionProof(i, n, p), SOME_HASH);
            probe(wrong, "trailing root", leaf, new InclusionProof(i, n, with(p, p.size(), root)), root);
            probe(wrong, "preceding root", leaf, new InclusionProof(i, n, with(p, 0, root)), root);
            probe(wrong, "removed component", leaf, new InclusionProof(i, n, p.subList(0, p.size() - 1)), root);
            probe(wrong, "inserted component", leaf, new InclusionProof(i, n, with(p, 1, SOME_HASH)), root);
            for (int e = 0; e < p.size(); e++) {
                probe(wrong, "modified proof[" + e + "] bit 3", leaf, new InclusionProof(i, n, flipped(p, e, 3)), root);
            }
            assertThat(wrong).as("corruptions of leaf %d of %d that verified", i, n).isEmpty();
        }
    }

    @Test
    void corruptedReferenceConsistencyProofsFail() {
        for (Consistency v : CONSISTENCIES) {
            if (v.path().isEmpty()) {
                continue;
            }
            long m = v.fromSize();
            long n = v.toSize();
            byte[] r1 = ROOTS.get((int) m);
            byte[] r2 = ROOTS.get((int) n);
            List<byte[]> p = v.path();
            List<String> wrong = new ArrayList<>();
            probe(wrong, "size1 - 1", new ConsistencyProof(m - 1, n, p), r1, r2);
            probe(wrong, "size1 + 1", new ConsistencyProof(m + 1, n, p), r1, r2);
            probe(wrong, "size1 ^ 2", new ConsistencyProof(m ^ 2, n, p), r1, r2);
            probe(wrong, "size2 * 2", new ConsistencyProof(m, n * 2, p), r1, r2);
            probe(wrong, "size2 / 2", new ConsistencyProof(m, n / 2, p), r1, r2);
            probe(wrong, "wrong root1", new ConsistencyProof(m, n, p), SOME_HASH, r2);
            probe(wrong, "wrong root2", new ConsistencyProof(m, n, p), r1, SOME_HASH);
            probe(wrong, "swapped roots", new ConsistencyProof(m, n, p), r2, r1);
            probe(wrong, "empty proof", new ConsistencyProof(m, n, List.of()), r1, r2);
            probe(wrong, "trailing root1", new ConsistencyProof(m, n, with(p, p.size(), r1)), r1, r2);
            probe(wrong, "trailing root2", new ConsistencyProof(m, n, with(p, p.size(), r2)), r1, r2);
            probe(wrong, "preceding root1", new ConsistencyProof(m, n, with(p, 0, r1)), r1, r2);
            probe(wrong, "preceding root2", new ConsistencyProof(m, n, with(p, 0, r2)), r1, r2);
            probe(wrong, "preceding proof[0]", new ConsistencyProof(m, n, with(p, 0, p.get(0))), r1, r2);
            probe(wrong, "truncated proof", new ConsistencyProof(m, n, p.subList(0, p.size() - 1)), r1, r2);
            for (int e = 0; e < p.size(); e++) {
                probe(wrong, "modified proof[" + e + "] bit 4", new ConsistencyProof(m, n, flipped(p, e, 4)), r1, r2);
            }
            assertThat(wrong).as("corruptions of %d to %d that verified", m, n).isEmpty();
        }
    }

    /** The edge cases of transparency-dev's TestVerifyConsistency: what needs no proof, and what no proof can show. */
    @Test
    void consistencyEdgeCases() {
        byte[] empty = ROOTS.get(0);
        byte[] r1 = ROOTS.get(1);
        byte[] r2 = ROOTS.get(2);
        assertThatCode(() -> MerkleProofs.verifyConsistency(new ConsistencyProof(0, 0, List.of()), empty, empty)).doesNotThrowAnyException();
        assertThatCode(() -> MerkleProofs.verifyConsistency(new ConsistencyProof(0, 1, List.of()), empty, r1)).doesNotThrowAnyException();
        assertThatCode(() -> MerkleProofs.verifyConsistency(new ConsistencyProof(1, 1, List.of()), r1, r1)).doesNotThrowAnyException();
        assertThatThrownBy(() -> MerkleProofs.verifyConsistency(new ConsistencyProof(1, 1, List.of()), r1, r2))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("two different roots for the same tree size 1");
        assertThatThrownBy(() -> MerkleProofs.verifyConsistency(new ConsistencyProof(0, 0, List.of()), r1, r1))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("empty-tree root");
        assertThatThrownBy(() -> MerkleProofs.verifyConsistency(new ConsistencyProof(1, 0, List.of()), r1, empty))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("never shrinks");
        assertThatThrownBy(() -> MerkleProofs.verifyConsistency(new ConsistencyProof(2, 1, List.of()), r2, r1))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("never shrinks");
        assertThatThrownBy(() -> MerkleProofs.verifyConsistency(new ConsistencyProof(1, 2, List.of()), r1, r2))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("is empty");
        for (long[] sizes : new long[][] {{0, 0}, {0, 1}, {1, 1}}) {
            assertThatThrownBy(() -> MerkleProofs.verifyConsistency(new ConsistencyProof(sizes[0], sizes[1], List.of(empty)), empty, empty))
                    .as("%d to %d with a hash", sizes[0], sizes[1])
                    .isInstanceOf(ProtocolException.class).hasMessageContaining("trailing proof elements");
        }
    }

    /** transparency-dev's TestVerifyInclusion probes: no index fits a size of 0, and an index must be below the size. */
    @Test
    void inclusionEdgeCases() {
        for (long[] p : new long[][] {{0, 0}, {1, 0}, {2, 1}, {1, 1}}) {
            assertThatThrownBy(() -> MerkleProofs.verifyInclusion(SOME_HASH, new InclusionProof(p[0], p[1], List.of()), ROOTS.get(0)))
                    .as("leaf %d of %d", p[0], p[1])
                    .isInstanceOf(ProtocolException.class).hasMessageContaining("must be below the tree size");
        }
        byte[] single = MerkleHash.leaf("data".getBytes());
        assertThatCode(() -> MerkleProofs.verifyInclusion(single, new InclusionProof(0, 1, List.of()), single)).doesNotThrowAnyException();
        assertThatThrownBy(() -> MerkleProofs.verifyInclusion(single, new InclusionProof(0, 1, List.of()), new byte[0]))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("32-byte");
        assertThatThrownBy(() -> MerkleProofs.verifyInclusion(new byte[0], new InclusionProof(0, 1, List.of()), single))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("32-byte");
    }

    private static void probe(List<String> wrong, String what, byte[] leaf, InclusionProof proof, byte[] root) {
        try {
            MerkleProofs.verifyInclusion(leaf, proof, root);
            wrong.add(what);
        } catch (ProtocolException expected) {
            // refused
        }
    }

    private static void probe(List<String> wrong, String what, ConsistencyProof proof, byte[] r1, byte[] r2) {
        try {
            MerkleProofs.verifyConsistency(proof, r1, r2);
            wrong.add(what);
        } catch (ProtocolException expected) {
            // refused
        }
    }

    static List<byte[]> with(List<byte[]> path, int at, byte[] extra) {
        List<byte[]> out = new ArrayList<>(path);
        out.add(at, extra);
        return out;
    }

    static List<byte[]> flipped(List<byte[]> path, int element, int bit) {
        List<byte[]> out = new ArrayList<>(path);
        byte[] h = out.get(element).clone();
        h[bit / 8] ^= (byte) (1 << (bit % 8));
        out.set(element, h);
        return out;
    }

    static List<String> hexes(List<byte[]> hashes) {
        return hashes.stream().map(HEX::formatHex).toList();
    }

    private static List<byte[]> hex(String... s) {
        List<byte[]> out = new ArrayList<>();
        for (String h : s) {
            out.add(HEX.parseHex(h));
        }
        return List.copyOf(out);
    }
}
