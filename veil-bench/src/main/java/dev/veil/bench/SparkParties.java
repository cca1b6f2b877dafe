package dev.veil.bench;

import dev.veil.attest.Platform;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.provider.broker.BrokerMetrics;
import dev.veil.provider.broker.BrokerServer;
import dev.veil.provider.broker.BrokerState;
import dev.veil.provider.broker.BrokeredContract;
import dev.veil.provider.broker.KeyBroker;
import dev.veil.provider.broker.ReleaseAudit;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.Sealer;
import dev.veil.spark.job.ExecutorInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The Spark benchmark's providers, as files in {@code dir}: identities, a batch contract signed by both that pins the
 * executors' measurement (this JVM's class path, which the executors are given) and allows an instance per executor
 * per job, the sealed model, and both providers' real brokers on loopback with their default release rate (the
 * model provider's releasing the model key, the data provider's serving master key "dataset").
 */
final class SparkParties implements AutoCloseable {
    /** Every executor of every job is a new instance: the bench runs a few dozen jobs on one or two executors. */
    private static final int MAX_INSTANCES = 1_000;
    final Path dir;
    final byte[] contract;
    final byte[] sealedModel;
    final String mpUrl;
    final String dpUrl;
    private final List<AutoCloseable> open = new ArrayList<>();

    SparkParties(Path dir, byte[] model) throws Exception {
        this.dir = dir;
        Identity mp = Identity.generate("mp", KeyWrapSuite.MLKEM768_X25519);
        Identity dp = Identity.generate("dp", KeyWrapSuite.MLKEM768_X25519);
        IdentityFiles.writeSecret(dp, dir.resolve("dp.key"));
        SessionContract c = SessionContract.draft(BenchModelTerms.of(model, "model"), mp.publicIdentity(), dp.publicIdentity(),
                new EnclavePolicy(Platform.SIM, List.of(Digests.hex(ExecutorInstance.measurement())), false, true),
                KeyWrapSuite.MLKEM768_X25519, OutputPolicy.npz(), Instant.now().plus(Duration.ofHours(6))).withMaxInstances(MAX_INSTANCES);
        SignedContract signed = SignedContract.unsigned(c).signedBy(Role.MODEL_PROVIDER, mp).signedBy(Role.DATA_PROVIDER, dp);
        contract = Json.canonical(signed);
        Files.write(dir.resolve("contract.json"), contract);
        ContractVerifier.Verified verified = ContractVerifier.verify(signed, Instant.now());
        AssetKey modelKey = AssetKey.generate();
        sealedModel = new Sealer().sealBytes(model, modelKey, ContentType.MODEL);
        mpUrl = broker(mp, modelKey, BrokerState.open(dir.resolve("mp-state")), verified);
        BrokerState dpState = BrokerState.open(dir.resolve("dp-state"));
        ReleaseAudit.createMasterKey(dpState, "dataset");
        dpUrl = broker(dp, null, dpState, verified);
    }

    private String broker(Identity id, AssetKey key, BrokerState state, ContractVerifier.Verified c) throws Exception {
        KeyBroker b = KeyBroker.open(id, key, List.of(BrokeredContract.batch(c, id.publicIdentity())), state,
                KeyBroker.Settings.defaults(), Clock.systemUTC(), new BrokerMetrics());
        BrokerServer s = BrokerServer.start(b, "127.0.0.1", 0, 2);
        open.add(s);
        open.add(b);
        return "http://127.0.0.1:" + s.port() + "/";
    }

    Path path(String name) {
        return dir.resolve(name);
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable a : open) {
            a.close();
        }
    }
}
