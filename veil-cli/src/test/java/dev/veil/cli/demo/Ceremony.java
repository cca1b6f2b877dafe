package dev.veil.cli.demo;

import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.EnclaveServer;
import dev.veil.enclave.evidence.CodeMeasurement;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SessionLimits;
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

/** A running sim enclave, two providers, their assets and a contract — the pieces tests recombine. */
final class Ceremony implements AutoCloseable {
    static final Identity MP = Identity.generate("test-mp", KeyWrapSuite.MLKEM768_X25519);
    static final Identity DP = Identity.generate("test-dp", KeyWrapSuite.X25519);

    final EnclaveConfig config;
    final EnclaveServer enclave;
    final String measurement;

    Ceremony(Path workDir) throws Exception {
        this(EnclaveConfig.simDefaults(workDir).withPartyTimeout(Duration.ofSeconds(20)).withBatchSize(64));
    }

    Ceremony(EnclaveConfig config) throws Exception {
        this.config = config;
        this.measurement = Digests.hex(CodeMeasurement.compute(config));
        this.enclave = EnclaveServer.start(config, EnclaveServer.evidenceSourceFor(config));
    }

    EnclavePolicy policy() {
        return new EnclavePolicy(dev.veil.attest.Platform.SIM, List.of(measurement), false, true);
    }

    SessionContract contract(byte[] model, OutputPolicy output, EnclavePolicy policy) {
        return contract(model, output, policy, SessionLimits.defaults());
    }

    SessionContract contract(byte[] model, OutputPolicy output, EnclavePolicy policy, SessionLimits limits) {
        return SessionContract.draft(TestModelTerms.of(model), MP.publicIdentity(),
                DP.publicIdentity(), policy, KeyWrapSuite.MLKEM768_X25519, output, Instant.now().plus(Duration.ofHours(1)), limits);
    }

    static SignedContract signed(SessionContract c) throws Exception {
        return SignedContract.unsigned(c).signedBy(Role.MODEL_PROVIDER, MP).signedBy(Role.DATA_PROVIDER, DP);
    }

    LocalCeremony.Run run(SignedContract contract, byte[] model, byte[] data) throws Exception {
        try (AssetKey mk = AssetKey.generate(); AssetKey dk = AssetKey.generate()) {
            return run(contract, new Sealer().sealBytes(model, mk, ContentType.MODEL), mk,
                    new Sealer().sealBytes(data, dk, ContentType.DATASET), dk);
        }
    }

    LocalCeremony.Run run(SignedContract contract, byte[] sealedModel, AssetKey mk, byte[] sealedData, AssetKey dk) throws Exception {
        return LocalCeremony.run("127.0.0.1", enclave.port(), contract, MP, sealedModel, mk, DP, sealedData, dk,
                ProviderFlow.StepListener.NONE);
    }

    /** As {@link #run(SignedContract, byte[], byte[])}, with both providers skipping their own-machine checks. */
    LocalCeremony.Run runUnchecked(SignedContract contract, byte[] sealedModel, AssetKey mk, byte[] sealedData, AssetKey dk)
            throws Exception {
        return UncheckedCeremony.run(enclave.port(), contract, MP, sealedModel, mk, DP, sealedData, dk);
    }

    LocalCeremony.Run runUnchecked(SignedContract contract, byte[] model, byte[] data) throws Exception {
        try (AssetKey mk = AssetKey.generate(); AssetKey dk = AssetKey.generate()) {
            return runUnchecked(contract, new Sealer().sealBytes(model, mk, ContentType.MODEL), mk,
                    new Sealer().sealBytes(data, dk, ContentType.DATASET), dk);
        }
    }

    /** Both providers connect to {@code port} (a relay in front of the enclave) instead of the enclave itself. */
    LocalCeremony.Run runVia(int port, SignedContract contract, byte[] model, byte[] data) throws Exception {
        try (AssetKey mk = AssetKey.generate(); AssetKey dk = AssetKey.generate()) {
            return LocalCeremony.run("127.0.0.1", port, contract, MP, new Sealer().sealBytes(model, mk, ContentType.MODEL), mk,
                    DP, new Sealer().sealBytes(data, dk, ContentType.DATASET), dk, ProviderFlow.StepListener.NONE);
        }
    }

    /** A freshly trained digits model: distinct bytes for every seed. */
    static byte[] digitsModel(long seed) throws Exception {
        DigitsData[] split = DigitsData.load().split(42);
        float[][] wb = SoftmaxTrainer.train(split[0], 20, seed);
        return OnnxWriter.softmaxClassifier(wb[0], wb[1], DigitsData.FEATURES, DigitsData.CLASSES);
    }

    static DigitsData evaluationData() throws Exception {
        return DigitsData.load().split(42)[1];
    }

    @Override
    public void close() throws Exception {
        enclave.close();
    }
}
