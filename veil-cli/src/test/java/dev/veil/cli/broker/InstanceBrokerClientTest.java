package dev.veil.cli.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.veil.attest.Platform;
import dev.veil.attest.sim.SimFirmware;
import dev.veil.enclave.broker.BrokerDataKeys;
import dev.veil.enclave.broker.BrokerRefused;
import dev.veil.enclave.broker.BrokerRelease;
import dev.veil.enclave.keys.InstanceKeyPairs;
import dev.veil.protocol.binding.EvidenceBinding;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.Dim;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.ModelSignature;
import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.contract.ValueSignature;
import dev.veil.protocol.contract.ValueType;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.wire.Messages;
import dev.veil.provider.broker.BrokerMetrics;
import dev.veil.provider.broker.BrokerServer;
import dev.veil.provider.broker.BrokerState;
import dev.veil.provider.broker.BrokeredContract;
import dev.veil.provider.broker.KeyBroker;
import dev.veil.provider.broker.ProviderDataKeys;
import dev.veil.provider.broker.ReleaseAudit;
import dev.veil.seal.AssetKey;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The instance side of a batch contract's brokers (as a Spark executor uses them), over loopback with sim evidence:
 * the model provider's broker releases the model key, the data provider's admits the instance to its data-key service,
 * each release is checked against the contract's party, and data keys round-trip through master keys that stay in the
 * data provider's broker.
 */
class InstanceBrokerClientTest {
    private static final Identity MP = Identity.generate("mp", KeyWrapSuite.X25519);
    private static final Identity DP = Identity.generate("dp", KeyWrapSuite.X25519);
    private static final String MEASUREMENT = "ab".repeat(48);
    private static final SimFirmware FIRMWARE = new SimFirmware();

    @TempDir
    Path dir;

    private static ContractVerifier.Verified contract() throws Exception {
        ModelSignature sig = new ModelSignature(List.of(ValueSignature.tensor("x", ValueType.FLOAT32, Dim.free("N"), Dim.fixed(4))),
                List.of(ValueSignature.tensor("y", ValueType.FLOAT32, Dim.free("N"))));
        SessionContract c = SessionContract.draft(new ModelTerms("cd".repeat(32), "m", sig), MP.publicIdentity(), DP.publicIdentity(),
                new EnclavePolicy(Platform.SIM, List.of(MEASUREMENT), false, true), KeyWrapSuite.X25519, OutputPolicy.labels(),
                Instant.now().plus(Duration.ofHours(1))).withMaxInstances(2);
        return ContractVerifier.verify(SignedContract.unsigned(c).signedBy(Role.MODEL_PROVIDER, MP).signedBy(Role.DATA_PROVIDER, DP),
                Instant.now());
    }

    private static BrokerRelease.Evidence evidence(ContractVerifier.Verified c, InstanceKeyPairs keys) {
        return nonce -> {
            byte[] enclaveNonce = new byte[EvidenceBinding.NONCE_LENGTH];
            new SecureRandom().nextBytes(enclaveNonce);
            return new Messages.EvidenceOffer(Platform.SIM, FIRMWARE.report(HexFormat.of().parseHex(MEASUREMENT),
                    EvidenceBinding.reportData(nonce, c.hash(), keys.publicKeys()), false), List.of(), keys.publicKeys(), enclaveNonce);
        };
    }

    private KeyBroker broker(Identity id, AssetKey key, ContractVerifier.Verified c, String name) throws Exception {
        return KeyBroker.open(id, key, List.of(BrokeredContract.batch(c, id.publicIdentity())), BrokerState.open(dir.resolve(name)),
                KeyBroker.Settings.defaults(), Clock.systemUTC(), new BrokerMetrics());
    }

    @Test
    void bothBrokersReleaseToTheInstanceAndDataKeysRoundTrip() throws Exception {
        ContractVerifier.Verified c = contract();
        try (AssetKey modelKey = AssetKey.generate(); InstanceKeyPairs keys = new InstanceKeyPairs(KeyWrapSuite.X25519);
             KeyBroker mpBroker = broker(MP, modelKey, c, "mp"); BrokerServer mpServer = BrokerServer.start(mpBroker, "127.0.0.1", 0, 4);
             KeyBroker dpBroker = broker(DP, null, c, "dp"); BrokerServer dpServer = BrokerServer.start(dpBroker, "127.0.0.1", 0, 4)) {
            URI mpUrl = URI.create("http://127.0.0.1:" + mpServer.port() + "/");
            URI dpUrl = URI.create("http://127.0.0.1:" + dpServer.port() + "/");

            BrokerRelease.Released fromMp = new BrokerRelease(mpUrl, c.hashHex()).fetch(evidence(c, keys));
            try (AssetKey k = BrokerRelease.openKey(fromMp, Role.MODEL_PROVIDER, MP.publicIdentity(), keys.publicKeys(), keys.keyWrap())
                    .orElseThrow()) {
                assertThat(k.id()).isEqualTo(modelKey.id());
            }
            BrokerRelease.Released fromDp = new BrokerRelease(dpUrl, c.hashHex()).fetch(evidence(c, keys));
            Optional<AssetKey> admission = BrokerRelease.openKey(fromDp, Role.DATA_PROVIDER, DP.publicIdentity(), keys.publicKeys(),
                    keys.keyWrap());
            assertThat(admission).isEmpty();

            ReleaseAudit.createMasterKey(BrokerState.open(dir.resolve("dp")), "dataset");
            String fromProvider = new ProviderDataKeys(dpUrl, DP).wrap("dataset", new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
            BrokerDataKeys dataKeys = new BrokerDataKeys(dpUrl, c.hashHex(), keys, DP.publicIdentity());
            assertThat(dataKeys.unwrap("dataset", fromProvider)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
            byte[] resultKey = new byte[32];
            resultKey[31] = 7;
            assertThat(dataKeys.unwrap("dataset", dataKeys.wrap("dataset", resultKey))).isEqualTo(resultKey);

            // an instance the data provider's broker never admitted gets no data key, even with the model key in hand
            try (InstanceKeyPairs other = new InstanceKeyPairs(KeyWrapSuite.X25519)) {
                new BrokerRelease(mpUrl, c.hashHex()).fetch(evidence(c, other));
                assertThatThrownBy(() -> new BrokerDataKeys(dpUrl, c.hashHex(), other, DP.publicIdentity()).unwrap("dataset", fromProvider))
                        .isInstanceOfSatisfying(BrokerRefused.class, e -> assertThat(e.reason()).isEqualTo("not_released"));
            }
        }
    }

    @Test
    void releaseSignedByAnotherPartyIsRefusedByTheInstance() throws Exception {
        ContractVerifier.Verified c = contract();
        try (AssetKey modelKey = AssetKey.generate(); InstanceKeyPairs keys = new InstanceKeyPairs(KeyWrapSuite.X25519);
             KeyBroker mpBroker = broker(MP, modelKey, c, "mp"); BrokerServer mpServer = BrokerServer.start(mpBroker, "127.0.0.1", 0, 4)) {
            BrokerRelease.Released r = new BrokerRelease(URI.create("http://127.0.0.1:" + mpServer.port() + "/"), c.hashHex())
                    .fetch(evidence(c, keys));
            // the model provider's release presented as the data provider's: a broker cannot stand in for the other party
            assertThatThrownBy(() -> BrokerRelease.openKey(r, Role.DATA_PROVIDER, DP.publicIdentity(), keys.publicKeys(), keys.keyWrap()))
                    .isInstanceOf(BrokerRefused.class).hasMessageContaining("released as the model_provider");
            assertThatThrownBy(() -> BrokerRelease.openKey(r, Role.MODEL_PROVIDER, DP.publicIdentity(), keys.publicKeys(), keys.keyWrap()))
                    .isInstanceOf(BrokerRefused.class).hasMessageContaining("not signed by the contract's model_provider");
        }
    }

    @Test
    void brokerWhoseIdentityIsNoPartyOfTheContractDoesNotStart() throws Exception {
        Identity stranger = Identity.generate("stranger", KeyWrapSuite.X25519);
        assertThatThrownBy(() -> BrokeredContract.batch(contract(), stranger.publicIdentity()))
                .hasMessageContaining("neither party");
    }
}
