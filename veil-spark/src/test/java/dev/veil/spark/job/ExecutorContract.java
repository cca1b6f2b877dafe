package dev.veil.spark.job;

import dev.veil.attest.Platform;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.spark.TestModelTerms;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The batch contract the executor-instance tests attest under: testdata's OCR classifier, the sim measurement of this
 * build's executors, X25519, up to four instances, valid for an hour, signed by both providers. Public for the tests of
 * 'veil batch' that need a driver instance without brokers.
 */
public final class ExecutorContract {
    final byte[] model;
    final Identity modelProvider = Identity.generate("mp", KeyWrapSuite.X25519);
    final Identity dataProvider = Identity.generate("dp", KeyWrapSuite.X25519);
    public final SignedContract signed;

    public ExecutorContract() throws Exception {
        this(Platform.SIM, Digests.hex(ExecutorInstance.measurement()));
    }

    /** The same terms for {@code platform}'s TEE running code of {@code measurement} (hex). */
    ExecutorContract(Platform platform, String measurement) throws Exception {
        model = Files.readAllBytes(Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx"));
        SessionContract c = SessionContract.draft(TestModelTerms.of(model, "ocr"), modelProvider.publicIdentity(),
                dataProvider.publicIdentity(), new EnclavePolicy(platform, List.of(measurement), false, platform == Platform.SIM),
                KeyWrapSuite.X25519, OutputPolicy.npz(), Instant.now().plus(Duration.ofHours(1))).withMaxInstances(4);
        signed = SignedContract.unsigned(c).signedBy(Role.MODEL_PROVIDER, modelProvider).signedBy(Role.DATA_PROVIDER, dataProvider);
    }
}
