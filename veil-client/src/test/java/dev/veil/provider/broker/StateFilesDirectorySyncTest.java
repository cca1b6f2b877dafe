package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.protocol.broker.ChallengeRequest;
import dev.veil.protocol.broker.ReleaseRequest;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.seal.AssetKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file renamed or created into place is kept across a crash only once its directory is on disk too. Each test gives
 * the broker's state a recording {@link StateFiles.DirectorySync} and checks that the directory holding the new name was
 * forced, after the name was in place: what a crash right after the broker acted on the file would otherwise lose.
 */
class StateFilesDirectorySyncTest {
    @TempDir
    Path dir;

    /** Each directory sync, with what the watched file held at that moment (null: absent). */
    private record Synced(Path dir, String watched) {
    }

    private final List<Synced> syncs = new ArrayList<>();
    private Path watched;

    private void record(Path d) throws IOException {
        syncs.add(new Synced(d.toAbsolutePath(), watched != null && Files.exists(watched)
                ? Files.readString(watched, StandardCharsets.ISO_8859_1) : null));
    }

    private Synced lastSyncOf(Path d) {
        Synced last = null;
        for (Synced s : syncs) {
            if (s.dir().equals(d.toAbsolutePath())) {
                last = s;
            }
        }
        return last;
    }

    @Test
    void atomicWriteForcesItsDirectoryAfterTheRename() throws Exception {
        watched = dir.resolve("revoked");
        new StateFiles(this::record).write(watched, "all\n".getBytes(StandardCharsets.US_ASCII), true, true);
        assertThat(lastSyncOf(dir)).as("the directory is forced once the new name is in place")
                .isEqualTo(new Synced(dir.toAbsolutePath(), "all\n"));
    }

    @Test
    void replacingThroughTheScratchFileForcesItsDirectoryAfterTheRename() throws Exception {
        watched = dir.resolve("x.head");
        Files.writeString(watched, "old");
        new StateFiles(this::record).replaceVia(dir.resolve("x.head.next"), watched, "new".getBytes(StandardCharsets.US_ASCII));
        assertThat(lastSyncOf(dir)).isEqualTo(new Synced(dir.toAbsolutePath(), "new"));
        assertThat(dir.resolve("x.head.next")).doesNotExist();
    }

    @Test
    void stateDirectoriesAndTheIdentityFileAreForcedWhenCreated() throws Exception {
        Path state = dir.resolve("state");
        BrokerState s = BrokerState.open(state, this::record);
        assertThat(lastSyncOf(dir)).as("the state directory's own name").isNotNull();
        assertThat(syncs.stream().filter(x -> x.dir().equals(state.toAbsolutePath())).count())
                .as("releases/ and master-keys/ are named in the state directory").isGreaterThanOrEqualTo(2);
        syncs.clear();
        watched = state.resolve(BrokerState.IDENTITY_FILE);
        s.claimFor(BrokerFixture.MP.publicIdentity());
        assertThat(lastSyncOf(state)).isNotNull();
        assertThat(lastSyncOf(state).watched()).isNotNull();
    }

    /**
     * A revocation reported done must survive a crash: the renamed list is forced with its directory. Without the sync,
     * a crash could bring back the list without the revocation, and the broker would release to the instance again.
     */
    @Test
    void revocationIsForcedWithItsDirectoryBeforeItIsReportedDone() throws Exception {
        BrokerState s = BrokerState.open(dir.resolve("state"), this::record);
        watched = s.revoked();
        ReleaseAudit.revoke(s, null, "ab".repeat(32), java.time.Clock.systemUTC());
        assertThat(lastSyncOf(s.dir())).isEqualTo(new Synced(s.dir().toAbsolutePath(), "instance " + "ab".repeat(32) + "\n"));
    }

    @Test
    void masterKeyAndItsScopeAreForcedWithTheirDirectory() throws Exception {
        BrokerState s = BrokerState.open(dir.resolve("state"), this::record);
        syncs.clear();
        watched = s.masterKeys().resolve("ds.contracts");
        ReleaseAudit.createMasterKey(s, "ds", List.of("cd".repeat(32)));
        assertThat(syncs).as("the scope file, then the key file").hasSize(2);
        assertThat(syncs).allSatisfy(x -> assertThat(x.dir()).isEqualTo(s.masterKeys().toAbsolutePath()));
        assertThat(syncs.get(0).watched()).isEqualTo("cd".repeat(32) + "\n");
        assertThat(s.masterKeys().resolve("ds.key")).exists();
    }

    /**
     * The head kept beside a release record is replaced on every group commit; a crash that lost the rename would bring
     * back an older head, and the record would no longer be checked against the releases already answered. Each
     * commit forces releases/ after the new head is in place, and a new record file is forced there too.
     */
    @Test
    void keptHeadRenameIsForcedBeforeTheReleaseIsAnswered() throws Exception {
        ServingContractVerifier.Verified contract = BrokerFixture.serving(3);
        BrokerState state = BrokerState.open(dir.resolve("state"), this::record);
        watched = ReleaseRecord.file(state, contract.hashHex());
        try (KeyBroker broker = KeyBroker.open(BrokerFixture.MP, AssetKey.generate(), List.of(new BrokeredContract.Serving(contract)),
                state, KeyBroker.Settings.defaults(), new BrokerFixture.SettableClock(), new BrokerMetrics())) {
            assertThat(syncs).as("the new, empty record file is named in releases/")
                    .contains(new Synced(state.releases().toAbsolutePath(), ""));
            watched = ReleaseRecord.headFile(state, contract.hashHex());
            syncs.clear();
            byte[] nonce = broker.challenge(new ChallengeRequest(contract.hashHex())).nonce();
            SimInstance i = new SimInstance(KeyWrapSuite.X25519);
            broker.release(new ReleaseRequest(contract.hashHex(), nonce, i.offer(BrokerFixture.MEASUREMENT, nonce, contract.hash())));
            String kept = Files.readString(watched, StandardCharsets.ISO_8859_1);
            assertThat(kept).as("the head of the release").contains("\"tree_size\":1");
            assertThat(lastSyncOf(state.releases())).isEqualTo(new Synced(state.releases().toAbsolutePath(), kept));
        }
    }
}
