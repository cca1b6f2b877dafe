package dev.veil.protocol.broker;

import dev.veil.attest.Platform;
import dev.veil.attest.sim.SimFirmware;
import dev.veil.protocol.TestParties;
import dev.veil.protocol.binding.EvidenceBinding;
import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.protocol.keyrelease.KemKeyPair;
import dev.veil.protocol.keyrelease.KeyReleaseTranscript;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.serving.DataProviderAccess;
import dev.veil.protocol.serving.ServingBudget;
import dev.veil.protocol.serving.ServingContract;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.serving.ServingLimits;
import dev.veil.protocol.serving.SignedServingContract;
import dev.veil.protocol.translog.MerkleLog;
import dev.veil.protocol.translog.SignedTreeHead;
import dev.veil.protocol.translog.TreeHead;
import dev.veil.protocol.wire.Messages;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes the broker fuzz targets' fixture ({@code fuzz-broker/}: a serving contract, the broker's public identity, the
 * instant they hold at) and seed corpora, made with the public API: {@code java -cp <veil-protocol test classpath>
 * dev.veil.protocol.broker.BrokerSeeds veil-protocol/src/test/resources}. Rerun after a change to a broker record.
 */
final class BrokerSeeds {
    private BrokerSeeds() {
    }

    public static void main(String[] args) throws Exception {
        Path resources = Path.of(args[0]).resolve("dev/veil/protocol/broker");
        Path fixture = Files.createDirectories(resources.resolve("fuzz-broker"));
        Path inputs = resources.resolve("BrokerParsersFuzzTestInputs");
        Instant at = Instant.parse("2026-12-01T12:00:00Z");

        Identity mp = Identity.generate("fuzz-broker", KeyWrapSuite.X25519);
        Identity instanceSigning = Identity.generate("fuzz-instance", KeyWrapSuite.X25519);
        KemKeyPair keyWrap = KemKeyPair.generate(KeyWrapSuite.X25519);
        InstanceKeys keys = new InstanceKeys(instanceSigning.publicIdentity().signingKey(), KeyWrapSuite.X25519, keyWrap.publicKey());
        ServingContract contract = ServingContract.draft(new ModelTerms("cd".repeat(32), "fuzz model", TestParties.SIGNATURE),
                mp.publicIdentity(), new EnclavePolicy(Platform.SIM, List.of(TestParties.MEASUREMENT), false, true), KeyWrapSuite.X25519,
                OutputPolicy.scores(), DataProviderAccess.anyDataProvider(), new ServingBudget(10_000L, 1_000_000L),
                new ServingLimits(256, 60), at.plus(Duration.ofDays(3650))).withMaxInstances(3);
        SignedServingContract signed = SignedServingContract.unsigned(contract).signedBy(mp);
        ServingContractVerifier.Verified verified = ServingContractVerifier.verify(signed, at);
        Files.write(fixture.resolve("contract.json"), Json.canonical(signed));
        Files.deleteIfExists(fixture.resolve("broker.pub.json"));
        IdentityFiles.writePublic(mp.publicIdentity(), fixture.resolve("broker.pub.json"));
        Files.writeString(fixture.resolve("checked-at"), at + "\n");

        byte[] nonce = new byte[EvidenceBinding.NONCE_LENGTH];
        byte[] enclaveNonce = new byte[EvidenceBinding.NONCE_LENGTH];
        enclaveNonce[0] = 1;
        SimFirmware firmware = new SimFirmware(at.minus(Duration.ofDays(1)), at.plus(Duration.ofDays(3650)));
        byte[] evidence = firmware.report(HexFormat.of().parseHex(TestParties.MEASUREMENT),
                EvidenceBinding.reportData(nonce, verified.hash(), keys), false);
        Messages.EvidenceOffer offer = new Messages.EvidenceOffer(Platform.SIM, evidence, List.of(), keys, enclaveNonce);
        write(inputs.resolve("releaseRequest"), "request.json", Json.canonical(new ReleaseRequest(verified.hashHex(), nonce, offer)));

        CallerInstance caller = new CallerInstance(verified.hashHex(), keys);
        Hpke.Sealed toBroker = Hpke.seal(KeyWrapSuite.X25519, mp.publicIdentity().keyAgreementKey(), WrapRequest.hpkeInfo(),
                WrapRequest.aad("dataset-1", caller), new byte[16]);
        write(inputs.resolve("dataKeyRequest"), "wrap.json", Json.canonical(new WrapRequest("dataset-1", nonce, caller, toBroker.enc(),
                toBroker.ciphertext(), instanceSigning.sign(WrapRequest.signingMessage("dataset-1", nonce, caller, toBroker.enc(),
                        toBroker.ciphertext())))));
        String wrapped = new WrappedDataKey(new byte[WrappedDataKey.IV_LENGTH], new byte[16 + WrappedDataKey.TAG_LENGTH]).text();
        write(inputs.resolve("dataKeyRequest"), "unwrap.json", Json.canonical(new UnwrapRequest("dataset-1", wrapped, nonce, caller,
                instanceSigning.sign(UnwrapRequest.signingMessage("dataset-1", wrapped, nonce, caller)))));

        KeyReleaseTranscript t = ReleaseAnswer.transcript(verified.hashHex(), Role.MODEL_PROVIDER, nonce, enclaveNonce, evidence, keys);
        WrappedAssetKey key = WrappedAssetKey.of(Hpke.seal(KeyWrapSuite.X25519, keys.keyWrapKey(), t.hpkeInfo(), t.context(), new byte[32]));
        write(inputs.resolve("brokerAnswer"), "release.json", Json.canonical(new ReleaseAnswer(verified.hashHex(), Role.MODEL_PROVIDER,
                nonce, enclaveNonce, key, mp.sign(ReleaseAnswer.signingMessage(t, key)))));
        write(inputs.resolve("brokerAnswer"), "challenge.json", Json.canonical(new BrokerChallenge(verified.hashHex(), nonce,
                at.getEpochSecond())));
        write(inputs.resolve("brokerAnswer"), "wrap.json", Json.canonical(new WrapAnswer(wrapped)));
        Hpke.Sealed toInstance = Hpke.seal(KeyWrapSuite.X25519, keys.keyWrapKey(), UnwrapRequest.answerInfo(), new byte[32], new byte[16]);
        write(inputs.resolve("brokerAnswer"), "unwrap.json", Json.canonical(new UnwrapAnswer(toInstance.enc(), toInstance.ciphertext(),
                mp.sign(UnwrapAnswer.signingMessage(new byte[32], toInstance.enc(), toInstance.ciphertext())))));

        MerkleLog tree = new MerkleLog();
        ByteArrayOutputStream record = new ByteArrayOutputStream();
        for (int i = 0; i < 3; i++) {   // a release, an unwrap for the data provider, a release
            RecordLeaf leaf = i == 1
                    ? new OwnerUnwrapLeaf(OwnerUnwrapLeaf.VERSION, verified.hashHex(), i, at.getEpochSecond() + i,
                            mp.publicIdentity().fingerprint(), "results", "dd".repeat(32), String.format("%064x", 1))
                    : new ReleaseLeaf(ReleaseLeaf.VERSION, verified.hashHex(), i, at.getEpochSecond() + i,
                            String.format("%064x", i + 1), "ee".repeat(32));
            tree.append(leaf.leafHash());
            TreeHead h = TreeHead.of(verified.hash(), tree.size(), tree.root(tree.size()), at.getEpochSecond() + i);
            record.writeBytes(Json.canonical(ReleaseLogEntry.of(leaf, new SignedTreeHead(h, mp.sign(h.signingMessage())))));
            record.write('\n');
        }
        write(inputs.resolve("releaseRecordThenVerify"), "record.log", record.toByteArray());

        tree = new MerkleLog();
        record = new ByteArrayOutputStream();
        for (int i = 0; i < 4; i++) {   // a release, its instance revoked, an unwrap for the data provider, every release revoked
            long time = at.getEpochSecond() + i;
            RecordLeaf leaf = switch (i) {
                case 0 -> new ReleaseLeaf(ReleaseLeaf.VERSION, verified.hashHex(), i, time, String.format("%064x", 1), "ee".repeat(32));
                case 1 -> RevocationLeaf.of(verified.hashHex(), i, time, String.format("%064x", 1));
                case 2 -> new OwnerUnwrapLeaf(OwnerUnwrapLeaf.VERSION, verified.hashHex(), i, time, mp.publicIdentity().fingerprint(),
                        "results", "dd".repeat(32), String.format("%064x", 1));
                default -> RevocationLeaf.of(verified.hashHex(), i, time, null);
            };
            tree.append(leaf.leafHash());
            TreeHead h = TreeHead.of(verified.hash(), tree.size(), tree.root(tree.size()), time);
            record.writeBytes(Json.canonical(ReleaseLogEntry.of(leaf, new SignedTreeHead(h, mp.sign(h.signingMessage())))));
            record.write('\n');
        }
        write(inputs.resolve("releaseRecordThenVerify"), "record-with-revocations.log", record.toByteArray());

        write(inputs.resolve("ownerUnwrapRequest"), "owner-unwrap.json", Json.canonical(new OwnerUnwrapRequest(verified.hashHex(), nonce,
                "results", wrapped, HexFormat.of().formatHex(keys.digest()), mp.sign(OwnerUnwrapRequest.signingMessage(verified.hashHex(), nonce, "results",
                        wrapped, HexFormat.of().formatHex(keys.digest()))))));
        write(inputs.resolve("ownerUnwrapRequest"), "owner-unwrap-own-key.json", Json.canonical(new OwnerUnwrapRequest(verified.hashHex(),
                nonce, "dataset-1", wrapped, null, mp.sign(OwnerUnwrapRequest.signingMessage(verified.hashHex(), nonce, "dataset-1",
                        wrapped, null)))));
        write(inputs.resolve("challenges"), "challenge-request.json", Json.canonical(new ChallengeRequest(verified.hashHex())));
        write(inputs.resolve("challenges"), "data-key-challenge-request.json", Json.canonical(new DataKeyChallengeRequest(verified.hashHex())));
        write(inputs.resolve("challenges"), "provider-data-key-challenge-request.json", Json.canonical(new DataKeyChallengeRequest(null)));
        write(inputs.resolve("challenges"), "data-key-challenge.json", Json.canonical(new DataKeyChallenge(nonce, at.getEpochSecond())));
    }

    private static void write(Path dir, String name, byte[] bytes) throws Exception {
        Files.createDirectories(dir);
        Files.write(dir.resolve(name), bytes);
    }
}
