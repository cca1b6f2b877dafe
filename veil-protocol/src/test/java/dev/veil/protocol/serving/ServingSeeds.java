package dev.veil.protocol.serving;

import dev.veil.attest.Platform;
import dev.veil.protocol.TestParties;
import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.keyrelease.HpkeExport;
import dev.veil.protocol.keyrelease.KemKeyPair;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.receipt.FailureCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes the serving fuzz targets' fixture ({@code fuzz-session/}, throwaway keys) and seed corpora, made with the
 * public API: {@code java -cp <veil-protocol test classpath> dev.veil.protocol.serving.ServingSeeds
 * veil-protocol/src/test/resources}. Rerun after a change to the serving contract, request or response format.
 */
final class ServingSeeds {
    private ServingSeeds() {
    }

    public static void main(String[] args) throws Exception {
        Path resources = Path.of(args[0]).resolve("dev/veil/protocol/serving");
        Path session = Files.createDirectories(resources.resolve("fuzz-session"));
        Path inputs = resources.resolve("ServingParsersFuzzTestInputs");
        Instant at = Instant.parse("2026-12-01T12:00:00Z");
        HexFormat hex = HexFormat.of();

        Identity mp = Identity.generate("fuzz-model-provider", KeyWrapSuite.X25519);
        Identity dp = Identity.generate("fuzz-data-provider", KeyWrapSuite.X25519);
        Identity instanceSigning = Identity.generate("fuzz-instance", KeyWrapSuite.X25519);
        KemKeyPair keyWrap = KemKeyPair.generate(KeyWrapSuite.X25519);
        InstanceKeys keys = new InstanceKeys(instanceSigning.publicIdentity().signingKey(), KeyWrapSuite.X25519, keyWrap.publicKey());
        ServingContract contract = ServingContract.draft(new ModelTerms("cd".repeat(32), "fuzz model", TestParties.SIGNATURE),
                mp.publicIdentity(), new EnclavePolicy(Platform.SIM, List.of(TestParties.MEASUREMENT), false, true), KeyWrapSuite.X25519,
                OutputPolicy.scores(), DataProviderAccess.only(List.of(dp.publicIdentity())), new ServingBudget(10_000L, 1_000_000L),
                new ServingLimits(256, 60), at.plus(Duration.ofDays(3650)));
        SignedServingContract signed = SignedServingContract.unsigned(contract).signedBy(mp);
        ServingContractVerifier.Verified verified = ServingContractVerifier.verify(signed, at);

        Files.write(session.resolve("contract.json"), Json.canonical(signed));
        Files.deleteIfExists(session.resolve("dp-identity.key"));
        IdentityFiles.writeSecret(dp, session.resolve("dp-identity.key"));
        Files.writeString(session.resolve("checked-at"), at + "\n");

        byte[] inputsNpz = "PK\u0003\u0004 fuzz seed inputs".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        SealedRequest request = ServingClient.seal(verified, keys, dp, 4, inputsNpz, at);
        // A plaintext signed for one fixed enc, which the plaintext target reads every input as arriving in.
        HpkeExport.Sender sender = HpkeExport.sender(KeyWrapSuite.X25519, keys.keyWrapKey(),
                ObliviousEncapsulation.requestInfo(verified.hash()));
        byte[] enc = sender.enc();
        byte[] exported = sender.export(ObliviousEncapsulation.responseExportContext(), ObliviousEncapsulation.AEAD_KEY_LENGTH);
        ServingRequest header = new ServingRequest(ServingRequest.VERSION, verified.hashHex(), dp.publicIdentity(),
                "0f".repeat(16), at.toString(), 4L);
        byte[] headerBytes = Json.canonical(header);
        byte[] plaintext = RequestMessage.encode(headerBytes, inputsNpz,
                dp.sign(RequestMessage.signingMessage(verified.hash(), keys.digest(), enc, headerBytes, inputsNpz)));

        Files.writeString(session.resolve("instance.properties"), "# throwaway test keys of the serving fuzz targets' instance\n"
                + "signing_key=" + hex.formatHex(keys.signingKey()) + "\n"
                + "key_wrap_private=" + hex.formatHex(keyWrap.privateKeyForStorage()) + "\n"
                + "key_wrap_public=" + hex.formatHex(keyWrap.publicKey()) + "\n"
                + "plaintext_enc=" + hex.formatHex(enc) + "\n"
                + "plaintext_exported=" + hex.formatHex(exported) + "\n");

        write(inputs.resolve("servingContractThenVerify"), "contract.json", Json.canonical(signed));
        write(inputs.resolve("servingContractThenVerify"), "contract-any.json", Json.canonical(SignedServingContract.unsigned(
                ServingContract.draft(contract.model(), mp.publicIdentity(), contract.enclave(), KeyWrapSuite.MLKEM768_X25519,
                        OutputPolicy.npz(), DataProviderAccess.anyDataProvider(), contract.budget(), contract.limits(),
                        at.plus(Duration.ofDays(3650)))).signedBy(mp)));
        write(inputs.resolve("openRequest"), "request", request.encapsulated());
        write(inputs.resolve("requestPlaintext"), "plaintext", plaintext);
        write(inputs.resolve("response"), "ok", ServingResponse.ok("0f".repeat(16), inputsNpz, new byte[] {1, 2, 3}).encode());
        write(inputs.resolve("response"), "failed", ServingResponse.failed(null, FailureCode.PEER_PROTOCOL_ERROR, "refused").encode());
    }

    private static void write(Path dir, String name, byte[] bytes) throws Exception {
        Files.createDirectories(dir);
        Files.write(dir.resolve(name), bytes);
    }
}
