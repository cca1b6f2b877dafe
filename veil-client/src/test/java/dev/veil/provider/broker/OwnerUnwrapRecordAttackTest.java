package dev.veil.provider.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.CallerInstance;
import dev.veil.protocol.broker.ChallengeRequest;
import dev.veil.protocol.broker.OwnerUnwrapLeaf;
import dev.veil.protocol.broker.ReleaseRequest;
import dev.veil.protocol.broker.WrapRequest;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every unwrap for the data provider itself ({@code /v1/owner/unwrap}) is an entry of the broker's signed record, as
 * every release is: durable before the key leaves, checked by the audit path ({@link ReleaseAudit}, {@code veil broker
 * log}) and by the broker's own start, so one removed or altered afterwards is caught.
 */
class OwnerUnwrapRecordAttackTest {
    @TempDir
    Path dir;
    private final BrokerFixture.SettableClock clock = new BrokerFixture.SettableClock();
    private KeyBroker broker;
    private BrokerServer server;
    private BrokerWire wire;
    private ContractVerifier.Verified contract;

    private void start() throws Exception {
        if (contract == null) {
            contract = BrokerFixture.batch(2);
        }
        broker = KeyBroker.open(BrokerFixture.DP, null, List.of(new BrokeredContract.Batch(contract, Role.DATA_PROVIDER)),
                BrokerState.open(dir.resolve("state")), KeyBroker.Settings.defaults(), clock, new BrokerMetrics());
        server = BrokerServer.start(broker, "127.0.0.1", 0, 4);
        wire = new BrokerWire(server.port());
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
            server = null;
        }
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    /** An instance released to wraps {@code key} under "results"; the wrapped text. */
    private String instanceWraps(SimInstance i, byte[] key) throws Exception {
        byte[] nonce = BrokerMessages.challenge(wire.post(BrokerMessages.CHALLENGE, new ChallengeRequest(contract.hashHex())).body()).nonce();
        assertThat(wire.post(BrokerMessages.RELEASE, new ReleaseRequest(contract.hashHex(), nonce,
                i.offer(BrokerFixture.MEASUREMENT, nonce, contract.hash()))).status()).isEqualTo(200);
        CallerInstance caller = new CallerInstance(contract.hashHex(), i.keys);
        Hpke.Sealed sealed = Hpke.seal(KeyWrapSuite.X25519, BrokerFixture.DP.publicIdentity().keyAgreementKey(), WrapRequest.hpkeInfo(),
                WrapRequest.aad("results", caller), key);
        BrokerWire.Answer a = wire.post(BrokerMessages.WRAP, wire.wrapRequest("results", caller, sealed, i::sign));
        assertThat(a.status()).as(a.text()).isEqualTo(200);
        return BrokerMessages.wrapAnswer(a.body()).wrappedKey();
    }

    private byte[] ownerUnwraps(String wrapped, SimInstance by) throws Exception {
        return new OwnerDataKeys(URI.create("http://127.0.0.1:" + server.port() + "/"), BrokerFixture.DP, contract.hashHex())
                .unwrap("results", wrapped, by.hex());
    }

    /** A release (line 0) and two owner unwraps (lines 1 and 2) of one instance's results key; the broker then stopped. */
    private Path recordWithTwoOwnerUnwraps(SimInstance i, byte[] key) throws Exception {
        start();
        MasterKeys.create(new StateFiles(StateFiles.FSYNC), dir.resolve("state").resolve("master-keys"), "results");
        String wrapped = instanceWraps(i, key);
        assertThat(ownerUnwraps(wrapped, i)).isEqualTo(key);
        assertThat(ownerUnwraps(wrapped, i)).isEqualTo(key);
        stop();
        return ReleaseRecord.file(BrokerState.open(dir.resolve("state")), contract.hashHex());
    }

    /**
     * The owner's unwraps are in the signed record: who (the data provider's fingerprint), which master key, which
     * wrapped key (its digest), which instance wrapped it, when; never the key, neither in the clear nor as wrapped.
     */
    @Test
    void everyOwnerUnwrapIsASignedRecordEntry() throws Exception {
        SimInstance i = new SimInstance(KeyWrapSuite.X25519);
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) 9);
        start();
        MasterKeys.create(new StateFiles(StateFiles.FSYNC), dir.resolve("state").resolve("master-keys"), "results");
        String wrapped = instanceWraps(i, key);
        assertThat(ownerUnwraps(wrapped, i)).isEqualTo(key);
        assertThat(broker.releaseCount(contract.hashHex())).as("owner unwraps are no releases").isEqualTo(1);

        List<ReleaseAudit.Contract> audited = ReleaseAudit.verify(BrokerState.existing(dir.resolve("state")),
                BrokerFixture.DP.publicIdentity());
        assertThat(audited).hasSize(1);
        assertThat(audited.get(0).releases()).hasSize(1);
        assertThat(audited.get(0).instances()).isEqualTo(1);
        assertThat(audited.get(0).head().head().treeSize()).isEqualTo(2);
        List<OwnerUnwrapLeaf> unwraps = audited.get(0).ownerUnwraps();
        assertThat(unwraps).hasSize(1);
        OwnerUnwrapLeaf u = unwraps.get(0);
        assertThat(u.sequence()).isEqualTo(1);
        assertThat(u.owner()).isEqualTo(BrokerFixture.DP.publicIdentity().fingerprint());
        assertThat(u.masterKeyId()).isEqualTo("results");
        assertThat(u.wrappedKeySha256()).isEqualTo(Digests.hex(Digests.sha256(wrapped.getBytes(StandardCharsets.US_ASCII))));
        assertThat(u.wrappedBy()).isEqualTo(i.hex());
        String file = Files.readString(ReleaseRecord.file(BrokerState.existing(dir.resolve("state")), contract.hashHex()));
        assertThat(file).doesNotContain(wrapped).doesNotContain(Base64.getEncoder().encodeToString(key))
                .doesNotContain(Digests.hex(key));
    }

    /**
     * Attack: whoever can write the broker's state removes the line of an owner unwrap (to hide that the data was
     * opened). Expected: the audit (veil broker log) and the broker's start both refuse the record.
     */
    @Test
    void recordWithAnOwnerUnwrapRemovedFailsVerification() throws Exception {
        Path f = recordWithTwoOwnerUnwraps(new SimInstance(KeyWrapSuite.X25519), new byte[32]);
        List<String> lines = new ArrayList<>(Files.readAllLines(f));
        assertThat(lines.get(1)).contains("owner_unwrap");
        lines.remove(1);
        Files.write(f, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> ReleaseAudit.verify(BrokerState.existing(dir.resolve("state")), BrokerFixture.DP.publicIdentity()))
                .isInstanceOf(ProtocolException.class).hasMessageContaining("removed");
        assertThatThrownBy(this::start).isInstanceOf(ProtocolException.class);
    }

    /**
     * Attack: the same, but the last owner unwrap is cut from the tail (the record stays a valid prefix). Expected: the
     * broker's start refuses it against the head it kept.
     */
    @Test
    void recordWithTheLastOwnerUnwrapCutFailsTheBrokersStart() throws Exception {
        Path f = recordWithTwoOwnerUnwraps(new SimInstance(KeyWrapSuite.X25519), new byte[32]);
        List<String> lines = Files.readAllLines(f);
        Files.write(f, (String.join("\n", lines.subList(0, 2)) + "\n").getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(this::start).isInstanceOf(ProtocolException.class).hasMessageContaining("rolled back");
    }

    /**
     * Attack: an owner unwrap's line is altered (another master key, no wrapping instance, another wrapped key) to
     * misstate what was opened. Expected: the audit refuses the record: the next head no longer matches.
     */
    @Test
    void recordWithAnOwnerUnwrapAlteredFailsVerification() throws Exception {
        SimInstance i = new SimInstance(KeyWrapSuite.X25519);
        Path f = recordWithTwoOwnerUnwraps(i, new byte[32]);
        String original = Files.readString(f);
        List<String> alterations = List.of("\"master_key_id\":\"results\"", "\"wrapped_by\":\"" + i.hex() + "\"", "\"wrapped_key_sha256\":\"");
        List<String> replacements = List.of("\"master_key_id\":\"resultz\"", "\"wrapped_by\":null", "\"wrapped_key_sha256\":\"0");
        for (int n = 0; n < alterations.size(); n++) {
            String line = original.lines().toList().get(1);
            assertThat(line).contains(alterations.get(n));
            String altered = line.replaceFirst(java.util.regex.Pattern.quote(alterations.get(n)),
                    java.util.regex.Matcher.quoteReplacement(replacements.get(n)));
            if (n == 2) {   // keep 64 hex digits: drop the last one
                int at = altered.indexOf("\"wrapped_key_sha256\":\"") + "\"wrapped_key_sha256\":\"".length();
                altered = altered.substring(0, at + 64) + altered.substring(at + 65);
            }
            Files.writeString(f, original.replace(line, altered));
            assertThatThrownBy(() -> ReleaseAudit.verify(BrokerState.existing(dir.resolve("state")), BrokerFixture.DP.publicIdentity()))
                    .as(replacements.get(n)).isInstanceOf(ProtocolException.class).hasMessageContaining("altered");
        }
    }
}
