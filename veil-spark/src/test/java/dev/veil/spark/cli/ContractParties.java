package dev.veil.spark.cli;

import dev.veil.spark.TestModelTerms;
import dev.veil.attest.Platform;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SessionLimits;
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
 * As {@link Parties}, for a contract of a given output policy and limits: both providers' files in {@code dir}
 * (dp.key, contract.json, model.veil) and their real brokers on loopback.
 */
final class ContractParties implements AutoCloseable {
    final Path dir;
    final String mpUrl;
    final String dpUrl;
    private final List<AutoCloseable> open = new ArrayList<>();

    ContractParties(Path dir, byte[] model, OutputPolicy output, SessionLimits limits) throws Exception {
        this(dir, model, TestModelTerms.of(model, "model"), output, limits);
    }

    /** With the model's terms as given (e.g. max sizes of its own). */
    ContractParties(Path dir, byte[] model, ModelTerms terms, OutputPolicy output, SessionLimits limits) throws Exception {
        this.dir = dir;
        Identity mp = Identity.generate("mp", KeyWrapSuite.MLKEM768_X25519);
        Identity dp = Identity.generate("dp", KeyWrapSuite.MLKEM768_X25519);
        IdentityFiles.writeSecret(dp, dir.resolve("dp.key"));
        SessionContract c = SessionContract.draft(terms, mp.publicIdentity(),
                dp.publicIdentity(), new EnclavePolicy(Platform.SIM, List.of(Digests.hex(ExecutorInstance.measurement())), false, true),
                KeyWrapSuite.MLKEM768_X25519, output, Instant.now().plus(Duration.ofHours(1)), limits).withMaxInstances(4);
        SignedContract signed = SignedContract.unsigned(c).signedBy(Role.MODEL_PROVIDER, mp).signedBy(Role.DATA_PROVIDER, dp);
        Files.write(dir.resolve("contract.json"), Json.canonical(signed));
        ContractVerifier.Verified verified = ContractVerifier.verify(signed, Instant.now());
        AssetKey modelKey = AssetKey.generate();
        Files.write(dir.resolve("model.veil"), new Sealer().sealBytes(model, modelKey, ContentType.MODEL));
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

    String path(String name) {
        return dir.resolve(name).toString();
    }

    /** 'veil seal --format parquet' of {@code in} (an .npz in dir) to {@code out}, through the data provider's broker. */
    Parties.Run seal(String in, String out) {
        return Parties.launcher("seal", "--format", "parquet", "--in", path(in), "--out", path(out), "--broker", dpUrl,
                "--identity", path("dp.key"), "--master-key", "dataset");
    }

    /** 'veil batch' of {@code data} to {@code out} on embedded Spark, one row a run. */
    Parties.Run batch(String data, String out) {
        return batchOn("local[1]", data, out);
    }

    /** 'veil batch' of {@code data} to {@code out} on Spark {@code master}, one row a run. */
    Parties.Run batchOn(String master, String data, String out) {
        return Parties.launcher("batch", "--contract", path("contract.json"), "--model", path("model.veil"), "--data", path(data),
                "--mp-broker", mpUrl, "--dp-broker", dpUrl, "--master-key", "dataset", "--out", path(out), "--master", master,
                "--rows-per-run", "1");
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable a : open) {
            a.close();
        }
    }
}
