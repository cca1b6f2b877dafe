package dev.veil.cli;

import dev.veil.protocol.broker.OwnerUnwrapLeaf;
import dev.veil.protocol.broker.ReleaseLeaf;
import dev.veil.protocol.broker.RevocationLeaf;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.serving.SignedServingContract;
import dev.veil.provider.broker.BrokerMetrics;
import dev.veil.provider.broker.BrokerServer;
import dev.veil.provider.broker.BrokerState;
import dev.veil.provider.broker.BrokeredContract;
import dev.veil.provider.broker.KeyBroker;
import dev.veil.provider.broker.DataKeyLimits;
import dev.veil.provider.broker.ReleaseAudit;
import dev.veil.seal.AssetKey;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "broker", mixinStandardHelpOptions = true,
        description = {"Run a provider's key broker: your unattended stand-in for 'veil join' and 'veil provision'.",
                "Enclave instances ask it for a challenge, present evidence binding its nonce, the contract hash and their",
                "instance keys, and receive your asset key wrapped to their instance key; the evidence is appraised with",
                "exactly the code and policy of join and provision. It refuses instances past the contract's max_instances",
                "and revoked ones, rate-limits releases, and keeps a signed record of every release in --state (see",
                "'veil broker log'). Its data-key service wraps and unwraps Parquet data keys under master keys that never",
                "leave --state ('veil broker master-key'), unwrapping only for instances it released to."},
        subcommands = {BrokerCommand.Log.class, BrokerCommand.Revoke.class, BrokerCommand.MasterKey.class})
final class BrokerCommand implements Callable<Integer> {
    @Option(names = "--identity", description = "your secret identity file (.key): a party of the contract(s)")
    Path identity;
    @Option(names = "--contract", description = "the contract to release under (batch, signed by both; or serving)")
    Path contract;
    @Option(names = "--contracts", description = "a directory of contracts (*.json) to release under, instead of --contract")
    Path contracts;
    @Option(names = "--asset-key", description = "the key of your sealed asset, released to appraised instances; without it the"
            + " broker admits instances to its data-key service only")
    Path assetKey;
    @Option(names = "--state", description = "the broker's state directory (created 0700): release records, revocations, master keys")
    Path state;
    @Option(names = "--bind", defaultValue = "127.0.0.1", description = "address to listen on (default ${DEFAULT-VALUE})")
    String bind;
    @Option(names = "--port", description = "port (0 = any free port)")
    Integer port;
    @Option(names = "--releases-per-second", defaultValue = "50", description = "average release rate (default ${DEFAULT-VALUE})")
    double releasesPerSecond;
    @Option(names = "--release-burst", defaultValue = "100", description = "releases allowed at once (default ${DEFAULT-VALUE})")
    int releaseBurst;
    @Option(names = "--data-keys-per-second", defaultValue = "50", description = "average wrap/unwrap rate of each instance (and"
            + " of the provider, and of the owner) (default ${DEFAULT-VALUE})")
    double dataKeysPerSecond;
    @Option(names = "--data-key-burst", defaultValue = "200", description = "wraps/unwraps allowed at once to each caller (default"
            + " ${DEFAULT-VALUE})")
    int dataKeyBurst;
    @Option(names = "--all-data-keys-per-second", defaultValue = "200", description = "average wrap/unwrap rate over all callers"
            + " (default ${DEFAULT-VALUE})")
    double allDataKeysPerSecond;
    @Option(names = "--all-data-key-burst", defaultValue = "400", description = "wraps/unwraps allowed at once over all callers"
            + " (default ${DEFAULT-VALUE})")
    int allDataKeyBurst;
    @Option(names = "--workers", defaultValue = "32", description = "requests worked on at once; one more is answered 503 (default ${DEFAULT-VALUE})")
    int workers;
    @Option(names = "--accept-record-rollback", description = "repair: start although a release record is shorter than the head"
            + " the broker kept for it (it was cut or restored from an older copy); the instances it forgot are not counted"
            + " against max_instances")
    boolean acceptRecordRollback;
    @Mixin
    OwnCollateralOptions collateral;

    @Override
    public Integer call() throws Exception {
        if (identity == null || state == null || port == null || (contract == null) == (contracts == null)) {
            throw new CliFailure("the broker needs --identity, --state, --port and either --contract or --contracts"
                    + " (see 'veil broker --help')");
        }
        if (port < 0 || port > 65535) {
            throw new CliFailure("--port " + port + " is not between 0 and 65535");
        }
        if (!(releasesPerSecond > 0) || releaseBurst < 1 || workers < 1) {
            throw new CliFailure("--releases-per-second must be positive, --release-burst and --workers at least 1");
        }
        if (!(dataKeysPerSecond > 0) || dataKeyBurst < 1 || !(allDataKeysPerSecond > 0) || allDataKeyBurst < 1) {
            throw new CliFailure("--data-keys-per-second and --all-data-keys-per-second must be positive, --data-key-burst and"
                    + " --all-data-key-burst at least 1");
        }
        KeyBroker.Settings settings = KeyBroker.Settings.defaults().withRate(releasesPerSecond, releaseBurst)
                .withDataKeyLimits(new DataKeyLimits(dataKeysPerSecond, dataKeyBurst, allDataKeysPerSecond, allDataKeyBurst))
                .withCollateral(collateral.files(), collateral.fetcher());
        if (acceptRecordRollback) {
            settings = settings.withRecordRollbackAccepted();
            System.err.println("warning: --accept-record-rollback: a release record shorter than its kept head is taken as it is;"
                    + " instances it forgot are not counted against max_instances");
        }
        try (Identity id = ServingCli.identity(identity); AssetKey key = assetKey == null ? null : AssetKeyFile.read("--asset-key", assetKey)) {
            List<BrokeredContract> brokered = new ArrayList<>();
            for (Path f : contractFiles()) {
                brokered.add(read(f, id.publicIdentity()));
            }
            for (BrokeredContract c : brokered) {
                if (key == null && c.role() == Role.MODEL_PROVIDER) {
                    throw new CliFailure("contract " + c.hashHex() + " makes this broker the model provider's: pass --asset-key"
                            + " (the sealed model's key) so instances get the model key");
                }
            }
            KeyBroker broker;
            try {
                broker = KeyBroker.open(id, key, brokered, BrokerState.open(state), settings, Clock.systemUTC(), new BrokerMetrics());
            } catch (ProtocolException e) {
                throw new CliFailure(e.getMessage());
            }
            try (KeyBroker b = broker; BrokerServer server = BrokerServer.start(b, bind, port, workers)) {
                List<Map<String, Object>> listed = new ArrayList<>();
                for (BrokeredContract c : brokered) {
                    listed.add(JsonOut.fields("contract", c.hashHex(), "kind", c instanceof BrokeredContract.Serving ? "serving" : "batch",
                            "role", c.role().id(), "max_instances", c.instanceLimit()));
                }
                System.out.println(JsonOut.line(JsonOut.fields("listening", "http://" + bind + ":" + server.port(),
                        "identity", id.publicIdentity().fingerprint(), "asset_key_id", key == null ? null : key.idHex(),
                        "contracts", listed, "state", state.toString())));
                System.out.flush();
                CountDownLatch forever = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(forever::countDown));
                forever.await();
            } catch (IOException e) {
                throw new CliFailure("cannot start the broker: " + e.getMessage());
            }
        }
        return ExitCodes.OK;
    }

    /** {@code http://host:port} (or {@code host:port}) of a 'veil broker', given as {@code option}. */
    static java.net.URI url(String option, String value) throws CliFailure {
        try {
            return ServingCli.enclave(value);
        } catch (CliFailure e) {
            throw new CliFailure(option + " '" + value + "' is not the address of 'veil broker'; give http://host:port");
        }
    }

    private List<Path> contractFiles() throws CliFailure, IOException {
        if (contract != null) {
            return List.of(UserPaths.input("--contract", contract));
        }
        if (!Files.isDirectory(contracts)) {
            throw new CliFailure("--contracts " + contracts + " is not a directory");
        }
        try (Stream<Path> s = Files.list(contracts)) {
            List<Path> files = s.filter(p -> p.getFileName().toString().endsWith(".json") && Files.isRegularFile(p)).sorted().toList();
            if (files.isEmpty()) {
                throw new CliFailure("--contracts " + contracts + " holds no contract (*.json)");
            }
            return files;
        }
    }

    /** A batch or serving contract, verified now, with this identity's role in it. */
    private static BrokeredContract read(Path f, PublicIdentity broker) throws CliFailure, IOException {
        try {
            if (ServingContracts.isServing(f)) {
                return BrokeredContract.serving(ServingContractVerifier.verify(SignedServingContract.read(f), Instant.now()), broker);
            }
            return BrokeredContract.batch(ContractVerifier.verify(SignedContract.read(f), Instant.now()), broker);
        } catch (ProtocolException e) {
            throw new CliFailure(f + ": " + e.getMessage());
        }
    }

    @Command(name = "log", mixinStandardHelpOptions = true,
            description = {"Print and verify a broker's signed record of releases (exit 2 if it was altered).",
                    "It holds releases, unwraps for the data provider and revocations. Each line's head, signed by the broker's",
                    "identity, covers every entry before it (RFC 9162 tree hashing); the revocations it prints are the ones the",
                    "broker enforces after a restart."})
    static final class Log implements Callable<Integer> {
        @Option(names = "--state", required = true, description = "the broker's state directory")
        Path state;
        @Option(names = "--public", description = "the broker's public identity (.pub.json) to check against, instead of the copy"
                + " recorded in --state (which whoever could alter the record could alter too)")
        Path publicIdentity;

        @Override
        public Integer call() throws Exception {
            BrokerState s;
            try {
                s = BrokerState.existing(state);
            } catch (ProtocolException e) {
                throw new CliFailure(e.getMessage());
            }
            PublicIdentity broker = publicIdentity != null ? IdentityFiles.readPublic(UserPaths.input("--public", publicIdentity))
                    : s.recordedIdentity();
            List<ReleaseAudit.Contract> verified;
            try {
                verified = ReleaseAudit.verify(s, broker);
            } catch (ProtocolException e) {
                throw new CliFailure("the release record does not verify: " + e.getMessage());
            }
            List<Map<String, Object>> out = new ArrayList<>();
            for (ReleaseAudit.Contract c : verified) {
                List<Map<String, Object>> releases = new ArrayList<>();
                for (ReleaseLeaf r : c.releases()) {
                    releases.add(JsonOut.fields("sequence", r.sequence(), "time", Instant.ofEpochSecond(r.timestamp()).toString(),
                            "instance_keys", r.instanceKeys(), "evidence_sha256", r.evidenceSha256()));
                }
                List<Map<String, Object>> ownerUnwraps = new ArrayList<>();
                for (OwnerUnwrapLeaf u : c.ownerUnwraps()) {
                    ownerUnwraps.add(JsonOut.fields("sequence", u.sequence(), "time", Instant.ofEpochSecond(u.timestamp()).toString(),
                            "owner", u.owner(), "master_key_id", u.masterKeyId(), "wrapped_key_sha256", u.wrappedKeySha256(),
                            "wrapped_by", u.wrappedBy()));
                }
                List<Map<String, Object>> revocations = new ArrayList<>();
                for (RevocationLeaf r : c.revocations()) {
                    revocations.add(JsonOut.fields("sequence", r.sequence(), "time", Instant.ofEpochSecond(r.timestamp()).toString(),
                            "revoked", r.all() ? "all" : r.instanceKeys()));
                }
                Map<String, Object> head = c.head() == null ? null : JsonOut.fields("tree_size", c.head().head().treeSize(),
                        "root_hash", Digests.hex(c.head().head().rootHash()),
                        "time", Instant.ofEpochSecond(c.head().head().timestamp()).toString());
                out.add(JsonOut.fields("contract", c.contractHash(), "instances", c.instances(), "releases", releases,
                        "owner_unwraps", ownerUnwraps, "revocations", revocations, "head", head));
            }
            Map<String, Object> result = new LinkedHashMap<>(JsonOut.fields("verified", true, "identity", broker.fingerprint(),
                    "checked_against", publicIdentity != null ? publicIdentity.toString() : "the identity recorded in --state",
                    "contracts", out));
            System.out.println(JsonOut.pretty(result));
            return ExitCodes.OK;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = {"Stop releasing to an instance (--instance, the instance_keys 'veil serve' prints), or to every instance (--all).",
                    "No more releases and no more data keys to it. A key already released cannot be taken back, and a revoked",
                    "instance still counts toward max_instances. The broker writes each revocation into its signed release",
                    "records (shown by 'veil broker log') and enforces what they hold after any restart: a running broker within",
                    "a fraction of a second (this command waits until every record holds it, up to --wait-seconds, and fails",
                    "if not), a stopped one at its next start, or this command at once when given the broker's --identity while",
                    "no broker runs. A revocation is never withdrawn: after --all, the broker serves again only from a new --state."})
    static final class Revoke implements Callable<Integer> {
        /** A running broker records within a fraction of a second: an hour is a mistake, not patience. */
        private static final long MAX_WAIT_SECONDS = 3600;

        @Option(names = "--state", required = true, description = "the broker's state directory")
        Path state;
        @Option(names = "--identity", description = "the broker's secret identity file (.key): when no broker runs on --state,"
                + " record the revocation in its release records now, instead of at the broker's next start")
        Path identity;
        @Option(names = "--wait-seconds", defaultValue = "" + ReleaseAudit.DEFAULT_WAIT_SECONDS, description = "while a broker"
                + " runs on --state, how long to wait for it to record the revocation in every release record (default:"
                + " ${DEFAULT-VALUE})")
        long waitSeconds;
        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        static final class Target {
            @Option(names = "--instance", description = "the instance keys' digest (64 hex digits)")
            String instance;
            @Option(names = "--all", description = "every instance, and every release from now on")
            boolean all;
        }

        @Override
        public Integer call() throws Exception {
            BrokerState s;
            try {
                s = BrokerState.existing(state);
            } catch (ProtocolException e) {
                throw new CliFailure(e.getMessage());
            }
            String hex = target.all ? null : target.instance.toLowerCase(java.util.Locale.ROOT);
            if (hex != null && !hex.matches("[0-9a-f]{64}")) {
                throw new CliFailure("--instance must be the 64 hex digits of the instance keys ('instance_keys' of 'veil serve')");
            }
            if (waitSeconds < 0 || waitSeconds > MAX_WAIT_SECONDS) {
                throw new CliFailure("--wait-seconds must be 0 to " + MAX_WAIT_SECONDS + " (seconds to wait for a running broker"
                        + " to record the revocation): " + waitSeconds);
            }
            ReleaseAudit.Recorded recorded;
            try (Identity id = identity == null ? null : ServingCli.identity(identity)) {
                recorded = ReleaseAudit.revoke(s, id, hex, Clock.systemUTC(), java.time.Duration.ofSeconds(waitSeconds));
            } catch (ProtocolException e) {
                throw new CliFailure("the revocation is asked in " + s.dir().resolve("revoked") + " (the broker records it at its"
                        + " next start), but it could not be recorded now: " + e.getMessage());
            }
            System.out.println(JsonOut.line(JsonOut.fields("revoked", hex == null ? "all" : hex, "state", state.toString(),
                    "recorded", recorded.name().toLowerCase(java.util.Locale.ROOT))));
            if (recorded == ReleaseAudit.Recorded.ASKED_NOT_RECORDED) {
                throw new CliFailure("the running broker did not record the revocation in the record of every contract it"
                        + " serves within " + waitSeconds + " s; it is only asked in " + s.dir().resolve("revoked") + ", which"
                        + " whoever can write the state volume can remove: check that the broker is running, that every"
                        + " record it serves is in " + s.dir().resolve("releases") + ", and its log");
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "master-key", mixinStandardHelpOptions = true,
            description = {"Create a master key for the broker's data-key service (Parquet Modular Encryption).",
                    "32 random bytes in --state, owner-only; it never leaves the broker. An existing key is never replaced.",
                    "With --for-contract it serves instances of those contracts only; without, only a broker of one contract."})
    static final class MasterKey implements Callable<Integer> {
        @Option(names = "--state", required = true, description = "the broker's state directory (created if absent)")
        Path state;
        @Option(names = "--id", required = true, description = "the master key's id: 1 to 64 letters, digits, '.', '_' or '-'")
        String id;
        @Option(names = "--for-contract", description = "the hash (64 hex digits) of a contract whose instances may use this key;"
                + " repeat for several")
        List<String> forContracts = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            if (!id.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
                throw new CliFailure("--id must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
            }
            List<String> scope = new ArrayList<>();
            for (String h : forContracts) {
                String hex = h.toLowerCase(java.util.Locale.ROOT);
                if (!hex.matches("[0-9a-f]{64}")) {
                    throw new CliFailure("--for-contract must be a contract's hash, 64 hex digits ('veil broker' prints them): " + h);
                }
                scope.add(hex);
            }
            BrokerState s;
            try {
                s = BrokerState.open(state);
            } catch (ProtocolException e) {
                throw new CliFailure(e.getMessage());
            }
            try {
                ReleaseAudit.createMasterKey(s, id, scope);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                throw new CliFailure("master key '" + id + "' exists in " + state + "; it is never replaced (data wrapped under it"
                        + " would be lost): choose another --id");
            }
            System.out.println(JsonOut.line(JsonOut.fields("master_key", id, "for_contracts", scope, "state",
                    state.toString())));
            return ExitCodes.OK;
        }
    }
}
