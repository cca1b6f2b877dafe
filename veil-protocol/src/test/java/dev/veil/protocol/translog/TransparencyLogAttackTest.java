package dev.veil.protocol.translog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.TestParties;
import dev.veil.protocol.json.ProtocolException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a host (or a hostile log) can try against the data provider's receipt and the model provider's audit, each
 * named after the attack and refused by the check named in its assertion. The honest cases come first, so each
 * attack differs from a verified case in one thing.
 */
class TransparencyLogAttackTest {
    private static final byte[] CONTRACT = TestInstance.contractHash("contract A");
    private static final byte[] OTHER_CONTRACT = TestInstance.contractHash("contract B");
    private final TestInstance instance = TestInstance.generate();

    private List<LogInclusion> served(TransparencyLog log, int requests) {
        List<LogInclusion> out = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            out.add(log.append(TestInstance.someCommitments()));
        }
        return out;
    }

    @Test
    void honestReceiptAndAuditVerify() throws Exception {
        TransparencyLog log = instance.log(CONTRACT);
        List<LogInclusion> receipts = served(log, 11);
        for (LogInclusion r : receipts) {
            TreeHead head = LogVerifier.verifyInclusion(r, instance.keys(), CONTRACT);
            assertThat(head.treeSize()).isEqualTo(r.leaf().sequence() + 1);
        }
        SignedTreeHead older = receipts.get(4).head();
        SignedTreeHead newer = log.head();
        TreeHead audited = LogVerifier.verifyConsistency(older, newer, log.consistency(5, 11), instance.keys(), CONTRACT);
        assertThat(audited.treeSize()).as("the model provider learns how many requests ran").isEqualTo(11);
        // a data provider's proof against a later head, too
        LogInclusion first = receipts.get(0);
        LogVerifier.verifyInclusion(new LogInclusion(first.leaf(), log.inclusion(0, 11), newer), instance.keys(), CONTRACT);
    }

    @Test
    void forkedLogIsDetectedByConsistencyProof() throws Exception {
        // One instance key, two histories that agree on 6 requests and then differ: the host shows the model
        // provider one and the data providers the other.
        TransparencyLog shown = instance.log(CONTRACT);
        TransparencyLog hidden = instance.log(CONTRACT);
        for (int i = 0; i < 6; i++) {
            LeafCommitments c = TestInstance.someCommitments();
            shown.append(c);
            hidden.append(c);
        }
        served(shown, 3);
        served(hidden, 5);
        SignedTreeHead auditedBefore = shown.head();
        SignedTreeHead now = hidden.head();
        assertThatThrownBy(() -> LogVerifier.verifyConsistency(auditedBefore, now, hidden.consistency(9, 11), instance.keys(), CONTRACT))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("forked or rewrote its history");
        assertThatThrownBy(() -> LogVerifier.verifyConsistency(auditedBefore, now, shown.consistency(6, 9), instance.keys(), CONTRACT))
                .as("a proof of another pair of sizes").isInstanceOf(ProtocolException.class).hasMessageContaining("the heads are of 9 and 11");
        served(shown, 2);
        assertThatThrownBy(() -> LogVerifier.verifyConsistency(shown.head(), hidden.head(), hidden.consistency(11, 11), instance.keys(), CONTRACT))
                .as("two heads of one size").isInstanceOf(ProtocolException.class)
                .hasMessageContaining("the log forked: the instance signed two different roots for 11 leaves");
    }

    @Test
    void shrunkLogIsRefused() throws Exception {
        TransparencyLog log = instance.log(CONTRACT);
        served(log, 3);
        SignedTreeHead small = log.head();
        served(log, 4);
        SignedTreeHead large = log.head();
        // a host that restarts the log and replays fewer requests, or simply shows an old head as new
        assertThatThrownBy(() -> LogVerifier.verifyConsistency(large, small, new ConsistencyProof(7, 3, List.of()), instance.keys(), CONTRACT))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("the log shrank: the instance signed a head of 7 leaves, and now one of 3");
        assertThatThrownBy(() -> MerkleProofs.verifyConsistency(new ConsistencyProof(7, 3, List.of()), large.head().rootHash(), small.head().rootHash()))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("never shrinks");
    }

    @Test
    void proofForAnotherLeafFails() throws Exception {
        TransparencyLog log = instance.log(CONTRACT);
        List<LogInclusion> receipts = served(log, 8);
        SignedTreeHead head = log.head();
        LogLeaf mine = receipts.get(2).leaf();
        LogLeaf someoneElses = receipts.get(5).leaf();
        assertThatThrownBy(() -> LogVerifier.verifyInclusion(new LogInclusion(mine, log.inclusion(5, 8), head), instance.keys(), CONTRACT))
                .as("the proof of another leaf's position").isInstanceOf(ProtocolException.class)
                .hasMessageContaining("inclusion proof is for leaf 5, the log leaf is number 2");
        LogLeaf renumbered = new LogLeaf(LogLeaf.VERSION, mine.contractHash(), 5, mine.timestamp(), mine.requestCommitment(),
                mine.responseCommitment(), mine.requesterCommitment());
        assertThatThrownBy(() -> LogVerifier.verifyInclusion(new LogInclusion(renumbered, log.inclusion(5, 8), head), instance.keys(), CONTRACT))
                .as("my leaf renumbered to another leaf's place").isInstanceOf(ProtocolException.class)
                .hasMessageContaining("this leaf is not in the signed tree");
        // another data provider's leaf, genuinely in the log, is not an answer to my request
        LeafSalts salts = LeafSalts.random();
        byte[] request = TestInstance.randomDigest();
        byte[] response = TestInstance.randomDigest();
        LogInclusion answered = log.append(LeafCommitments.commit(salts, request, response, TestParties.DP.publicIdentity()));
        LogVerifier.verifyOpening(answered.leaf(), salts, request, response, TestParties.DP.publicIdentity());
        assertThatThrownBy(() -> LogVerifier.verifyOpening(someoneElses, salts, request, response, TestParties.DP.publicIdentity()))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("does not commit to this request");
        assertThatThrownBy(() -> LogVerifier.verifyOpening(answered.leaf(), salts, request, TestInstance.randomDigest(), TestParties.DP.publicIdentity()))
                .as("another response").isInstanceOf(ProtocolException.class).hasMessageContaining("does not commit to this response");
        assertThatThrownBy(() -> LogVerifier.verifyOpening(answered.leaf(), salts, request, response, TestParties.MP.publicIdentity()))
                .as("another requester").isInstanceOf(ProtocolException.class).hasMessageContaining("does not commit to this requester");
    }

    @Test
    void treeHeadSignedByAnotherInstanceFails() {
        TestInstance other = TestInstance.generate();
        TransparencyLog impostor = other.log(CONTRACT);
        List<LogInclusion> receipts = served(impostor, 4);
        assertThatThrownBy(() -> LogVerifier.verifyInclusion(receipts.get(3), instance.keys(), CONTRACT))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("is not signed by this enclave instance's key");
        assertThatThrownBy(() -> LogVerifier.verifyHead(impostor.head(), instance.keys(), CONTRACT))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("is not signed by this enclave instance's key");
    }

    @Test
    void alteredTreeHeadFails() {
        TransparencyLog log = instance.log(CONTRACT);
        served(log, 4);
        SignedTreeHead genuine = log.head();
        TreeHead h = genuine.head();
        for (TreeHead altered : List.of(
                TreeHead.of(h.contractHash(), h.treeSize() + 1, h.rootHash(), h.timestamp()),
                TreeHead.of(h.contractHash(), h.treeSize(), TestInstance.randomDigest(), h.timestamp()),
                TreeHead.of(h.contractHash(), h.treeSize(), h.rootHash(), h.timestamp() - 1),
                TreeHead.of(OTHER_CONTRACT, h.treeSize(), h.rootHash(), h.timestamp()))) {
            assertThatThrownBy(() -> LogVerifier.verifyHead(new SignedTreeHead(altered, genuine.signature()), instance.keys(), altered.contractHash()))
                    .isInstanceOf(ProtocolException.class).hasMessageContaining("is not signed by this enclave instance's key");
        }
    }

    @Test
    void leafFromAnotherContractFails() {
        // the same instance serves two contracts; the host hands contract A's data provider contract B's log
        TransparencyLog otherContractsLog = instance.log(OTHER_CONTRACT);
        LogInclusion fromB = served(otherContractsLog, 3).get(2);
        assertThatThrownBy(() -> LogVerifier.verifyInclusion(fromB, instance.keys(), CONTRACT))
                .as("a head of contract B").isInstanceOf(ProtocolException.class).hasMessageContaining("tree head is for contract");
        // a log writer that mixes contracts: a leaf of contract B in contract A's tree, under a head signed for A
        MerkleLog tree = new MerkleLog();
        LogLeaf leafOfB = LogLeaf.of(OTHER_CONTRACT, 0, 1_700_000_000L, TestInstance.someCommitments());
        tree.append(leafOfB.leafHash());
        SignedTreeHead headOfA = TreeHeadSigner.sign(TreeHead.of(CONTRACT, 1, tree.root(1), 1_700_000_000L), instance.signingKey());
        assertThatThrownBy(() -> LogVerifier.verifyInclusion(new LogInclusion(leafOfB, tree.inclusionProof(0, 1), headOfA), instance.keys(), CONTRACT))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("log leaf is for contract");
    }

    @Test
    void proofForAnotherTreeSizeFails() throws Exception {
        TransparencyLog log = instance.log(CONTRACT);
        LogInclusion receipt = served(log, 6).get(1);
        // the proof of a tree of 2 paired with a head of 6 (and, since leaf 1 of 2 and of 4 have the same path up to
        // the root of 2, nothing but the sizes' match would tell)
        assertThatThrownBy(() -> LogVerifier.verifyInclusion(new LogInclusion(receipt.leaf(), receipt.proof(), log.head()), instance.keys(), CONTRACT))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("inclusion proof is for a tree of 2 leaves, the signed head is of 6");
    }

    @Test
    void truncatedProofFails() {
        TransparencyLog log = instance.log(CONTRACT);
        LogLeaf leaf = served(log, 13).get(6).leaf();
        SignedTreeHead head = log.head();
        List<byte[]> path = log.inclusion(6, 13).path();
        InclusionProof truncated = new InclusionProof(6, 13, path.subList(0, path.size() - 1));
        assertThatThrownBy(() -> LogVerifier.verifyInclusion(new LogInclusion(leaf, truncated, head), instance.keys(), CONTRACT))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("the proof is truncated");
        SignedTreeHead older = log.head();
        served(log, 8);
        SignedTreeHead newer = log.head();
        List<byte[]> consistency = log.consistency(13, 21).path();
        assertThatThrownBy(() -> LogVerifier.verifyConsistency(older, newer,
                new ConsistencyProof(13, 21, consistency.subList(0, consistency.size() - 1)), instance.keys(), CONTRACT))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("the proof is truncated");
    }

    @Test
    void extendedProofFails() {
        TransparencyLog log = instance.log(CONTRACT);
        LogLeaf leaf = served(log, 13).get(6).leaf();
        SignedTreeHead head = log.head();
        List<byte[]> path = log.inclusion(6, 13).path();
        path.add(head.head().rootHash());
        assertThatThrownBy(() -> LogVerifier.verifyInclusion(new LogInclusion(leaf, new InclusionProof(6, 13, path), head), instance.keys(), CONTRACT))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("trailing proof elements are refused");
        served(log, 8);
        SignedTreeHead newer = log.head();
        List<byte[]> consistency = log.consistency(13, 21).path();
        consistency.add(newer.head().rootHash());
        assertThatThrownBy(() -> LogVerifier.verifyConsistency(head, newer, new ConsistencyProof(13, 21, consistency), instance.keys(), CONTRACT))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("trailing proof elements are refused");
    }
}
