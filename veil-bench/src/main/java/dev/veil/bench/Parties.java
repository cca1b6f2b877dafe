package dev.veil.bench;

import dev.veil.cli.demo.LocalCeremony;
import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.EnclaveServer;
import dev.veil.enclave.evidence.CodeMeasurement;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.provider.ProviderFlow;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.seal.Sealer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** A sim enclave and two providers for benchmark sessions; each session gets a fresh contract. */
final class Parties implements AutoCloseable {
    final Identity mp = Identity.generate("bench-mp", KeyWrapSuite.MLKEM768_X25519);
    final Identity dp = Identity.generate("bench-dp", KeyWrapSuite.MLKEM768_X25519);
    final EnclaveConfig config;
    final EnclaveServer enclave;
    final String measurement;

    Parties(Path workDir, int batch, int threads) throws Exception {
        config = enclaveConfig(workDir, batch, threads);
        measurement = Digests.hex(CodeMeasurement.compute(config));
        enclave = EnclaveServer.start(config, EnclaveServer.evidenceSourceFor(config));
    }

    /** The benchmark enclave's settings; an enclave in a child process started with the same ones has the same measurement. */
    static EnclaveConfig enclaveConfig(Path workDir, int batch, int threads) {
        EnclaveConfig d = EnclaveConfig.simDefaults(workDir);
        return new EnclaveConfig(dev.veil.attest.Platform.SIM, "127.0.0.1", 0, workDir, batch, threads, d.maxModelBytes(), d.maxDatasetBytes(),
                Duration.ofMinutes(10), false);
    }

    /** Sealed assets and their keys, prepared on the providers' side before a session. */
    record Assets(byte[] model, byte[] sealedModel, AssetKey modelKey, byte[] sealedData, AssetKey dataKey) {
    }

    Assets seal(byte[] model, byte[] data) {
        AssetKey mk = AssetKey.generate();
        AssetKey dk = AssetKey.generate();
        return new Assets(model, new Sealer().sealBytes(model, mk, ContentType.MODEL), mk,
                new Sealer().sealBytes(data, dk, ContentType.DATASET), dk);
    }

    LocalCeremony.Run session(Assets a, OutputPolicy output, ProviderFlow.StepListener listener) throws Exception {
        LocalCeremony.Run run = LocalCeremony.run("127.0.0.1", enclave.port(), contract(a, output), mp, a.sealedModel(), a.modelKey(),
                dp, a.sealedData(), a.dataKey(), listener);
        run.requireSuccess();
        return run;
    }

    /** A fresh contract for these assets, signed by both providers, pinning this enclave's measurement. */
    SignedContract contract(Assets a, OutputPolicy output) throws Exception {
        SessionContract c = SessionContract.draft(BenchModelTerms.of(a.model(), "bench"),
                mp.publicIdentity(), dp.publicIdentity(), new EnclavePolicy(dev.veil.attest.Platform.SIM, List.of(measurement), false, true),
                KeyWrapSuite.MLKEM768_X25519, output, Instant.now().plus(Duration.ofHours(1)));
        return SignedContract.unsigned(c).signedBy(Role.MODEL_PROVIDER, mp).signedBy(Role.DATA_PROVIDER, dp);
    }

    @Override
    public void close() throws Exception {
        enclave.close();
    }
}
