package dev.veil.provider.broker;

import dev.veil.attest.Platform;
import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.OwnerUnwrapMessages;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes {@link BrokerStateFuzzTest}'s and {@link DataKeyAnswersFuzzTest}'s fixture ({@code fuzz-broker-state/}: a throwaway broker identity, the contract
 * hash, a wrapped data key) and seed corpora, each file written by the broker's own code into a real state directory
 * (ServedContracts.publish, ReleaseRecord with its kept head, Revocations.add, MasterKeys), and the answers a running
 * broker (KeyBroker on BrokerServer) gave the provider's SDK (ProviderDataKeys, OwnerDataKeys), kept by a
 * {@link RecordingProxy}. Rerun after a change to a broker state file or answer, from the repository root:
 * {@code mvn -q -pl veil-client -am test-compile dependency:build-classpath -Dmdep.includeScope=test
 * -Dmdep.outputFile=target/cp.txt && java -cp veil-client/target/test-classes:veil-client/target/classes:$(cat
 * veil-client/target/cp.txt) dev.veil.provider.broker.BrokerStateSeeds veil-client/src/test/resources}
 * (or {@code ./fuzz --seeds}). Committed crashing inputs ({@code finding-*}) are kept.
 */
final class BrokerStateSeeds {
    private BrokerStateSeeds() {
    }

    public static void main(String[] args) throws Exception {
        Path resources = Path.of(args[0]).resolve("dev/veil/provider/broker");
        Path fixture = Files.createDirectories(resources.resolve("fuzz-broker-state"));
        Path inputs = resources.resolve("BrokerStateFuzzTestInputs");
        Path answers = resources.resolve("DataKeyAnswersFuzzTestInputs");
        Instant at = Instant.parse("2026-12-01T12:00:00Z");
        Path work = Files.createTempDirectory("veil-broker-seeds");
        try {
            Identity broker = Identity.generate("fuzz-broker", KeyWrapSuite.X25519);
            // a data provider's broker (it speaks with the provider's identity) of one batch contract
            ContractVerifier.Verified verified = ContractVerifier.verify(SignedContract.unsigned(SessionContract.draft(
                    new ModelTerms("cd".repeat(32), "fuzz model", BrokerFixture.SIGNATURE), BrokerFixture.MP.publicIdentity(),
                    broker.publicIdentity(), new EnclavePolicy(Platform.SIM, List.of(BrokerFixture.MEASUREMENT), false, true),
                    KeyWrapSuite.X25519, OutputPolicy.labels(), at.plus(Duration.ofDays(3650))))
                    .signedBy(Role.MODEL_PROVIDER, BrokerFixture.MP).signedBy(Role.DATA_PROVIDER, broker), Instant.now());
            byte[] contract = verified.hash();
            String hex = Digests.hex(contract);
            Files.deleteIfExists(fixture.resolve("broker.key"));
            IdentityFiles.writeSecret(broker, fixture.resolve("broker.key"));
            Files.writeString(fixture.resolve("contract-hash"), hex + "\n");

            BrokerState state = BrokerState.open(work.resolve("state"));
            String first = BrokerStateFuzzFixture.INSTANCE;
            String second = "0".repeat(63) + "2";

            clear(inputs.resolve("servedContractsThenVerify"));
            ServedContracts.publish(state, broker, List.of(hex), at);
            copy(state.dir().resolve(ServedContracts.FILE), inputs.resolve("servedContractsThenVerify"), "served-one.json");
            ServedContracts.publish(state, broker, List.of(hex, "ab".repeat(32), "01".repeat(32)), at);
            copy(state.dir().resolve(ServedContracts.FILE), inputs.resolve("servedContractsThenVerify"), "served-three.json");

            // the provider's SDK against the running broker, through a proxy that keeps the broker's answers
            BrokerState served = BrokerState.open(work.resolve("served-state"));
            MasterKeys.create(served.files(), served.masterKeys(), BrokerStateFuzzFixture.MASTER_KEY_ID);
            String wrapped;
            try (KeyBroker running = KeyBroker.open(broker, null, List.of(new BrokeredContract.Batch(verified, Role.DATA_PROVIDER)),
                    served, KeyBroker.Settings.defaults(), Clock.systemUTC(), new BrokerMetrics());
                 BrokerServer server = BrokerServer.start(running, "127.0.0.1", 0, 4);
                 RecordingProxy proxy = new RecordingProxy(URI.create("http://127.0.0.1:" + server.port() + "/"))) {
                wrapped = new ProviderDataKeys(proxy.uri(), broker).wrap(BrokerStateFuzzFixture.MASTER_KEY_ID, new byte[32]);
                write(clear(answers.resolve("providerWrapAnswers")), "provider-wrap",
                        concat(proxy.answer(BrokerMessages.DATA_KEY_CHALLENGE), new byte[] {0}, proxy.answer(BrokerMessages.WRAP)));
                new OwnerDataKeys(proxy.uri(), broker, hex).unwrap(BrokerStateFuzzFixture.MASTER_KEY_ID, wrapped, null);
                write(clear(answers.resolve("ownerUnwrapAnswers")), "owner-unwrap", concat(proxy.answer(OwnerUnwrapMessages.CHALLENGE),
                        new byte[] {0}, proxy.answer(OwnerUnwrapMessages.UNWRAP)));
            }
            Files.writeString(fixture.resolve("wrapped-data-key"), wrapped + "\n");
            byte[] key = Files.readAllBytes(served.masterKeys().resolve(BrokerStateFuzzFixture.MASTER_KEY_ID + ".key"));
            MasterKeys.create(state.files(), state.masterKeys(), "scoped", List.of(hex));   // its scope file, for this key
            byte[] scope = Files.readAllBytes(state.masterKeys().resolve("scoped.contracts"));
            Path keyInputs = clear(inputs.resolve("masterKeyFiles"));
            Files.write(keyInputs.resolve("scoped-key"), concat(new byte[] {(byte) key.length}, key, scope));
            Files.write(keyInputs.resolve("unscoped-key"), concat(new byte[] {(byte) key.length}, key));

            Path records = clear(inputs.resolve("releaseRecordThenOpen"));
            Path log = ReleaseRecord.file(state, hex);
            Path head = ReleaseRecord.headFile(state, hex);
            ReleaseRecord.open(state, contract, broker, false).close();   // a new record: empty, with an empty kept head
            Files.write(records.resolve("empty-record"), concat(Files.readAllBytes(log), new byte[] {0}, Files.readAllBytes(head)));
            try (ReleaseRecord r = ReleaseRecord.open(state, contract, broker, false)) {
                r.awaitDurable(r.writeRelease(first, "evidence one".getBytes(StandardCharsets.US_ASCII), at));
                r.awaitDurable(r.writeOwnerUnwrap(broker.publicIdentity().fingerprint(), BrokerStateFuzzFixture.MASTER_KEY_ID,
                        wrapped, first, at.plusSeconds(1)));
                r.awaitDurable(r.writeRelease(second, "evidence two".getBytes(StandardCharsets.US_ASCII), at.plusSeconds(2)));
                r.awaitDurable(r.writeRevocation(first, at.plusSeconds(3)));
                r.awaitDurable(r.writeRevocation(null, at.plusSeconds(4)));
            }
            byte[] all = Files.readAllBytes(log);
            byte[] kept = Files.readAllBytes(head);
            Files.write(records.resolve("releases-unwrap-revocations"), concat(all, new byte[] {0}, kept));
            // what a crash leaves: the last line's newline lost (kept), or the last line torn (cut); no kept head (refused)
            Files.write(records.resolve("newline-lost"), concat(Arrays.copyOf(all, all.length - 1), new byte[] {0}, kept));
            int lastLine = lastLineStart(all);
            Files.write(records.resolve("torn-last-line"), concat(Arrays.copyOf(all, lastLine + (all.length - lastLine) / 2),
                    new byte[] {0}, headAfter(all, lastLine, state, contract, broker, head)));
            Files.write(records.resolve("no-kept-head"), all);

            Path revocations = clear(inputs.resolve("revocationList"));
            Revocations.add(state.files(), state.revoked(), first);
            copy(state.revoked(), revocations, "revoked-one");
            Revocations.add(state.files(), state.revoked(), null);
            copy(state.revoked(), revocations, "revoked-all-and-one");
        } finally {
            try (Stream<Path> s = Files.walk(work)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** The head the broker kept when the record ended before its last line: the record cut there, reopened. */
    private static byte[] headAfter(byte[] all, int lastLine, BrokerState state, byte[] contract, Identity broker, Path head)
            throws Exception {
        Files.write(ReleaseRecord.file(state, Digests.hex(contract)), Arrays.copyOf(all, lastLine));
        ReleaseRecord.open(state, contract, broker, true).close();
        return Files.readAllBytes(head);
    }

    private static int lastLineStart(byte[] all) {
        for (int i = all.length - 2; i >= 0; i--) {
            if (all[i] == '\n') {
                return i + 1;
            }
        }
        return 0;
    }

    /** The directory, emptied of every seed but committed crashing inputs. */
    private static Path clear(Path dir) throws Exception {
        Files.createDirectories(dir);
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> !p.getFileName().toString().startsWith("finding-")).toList()) {
                Files.delete(p);
            }
        }
        return dir;
    }

    private static void write(Path dir, String name, byte[] bytes) throws Exception {
        Files.write(dir.resolve(name), bytes);
    }

    private static void copy(Path from, Path dir, String name) throws Exception {
        Files.createDirectories(dir);
        Files.copy(from, dir.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
