package dev.veil.cli;

import dev.veil.attest.VerificationOptions;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.provider.DatasetCheck;
import dev.veil.provider.ProviderFlow;
import dev.veil.provider.SealedAsset;
import dev.veil.provider.TrustedCollateral;
import dev.veil.provider.collateral.FetchedTrustedCollateral;
import dev.veil.provider.replay.CompletedContracts;
import dev.veil.seal.AssetKey;
import dev.veil.seal.SealException;
import dev.veil.seal.io.AtomicOutput;
import java.io.IOException;
import java.net.InetAddress;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "join", mixinStandardHelpOptions = true,
        description = {"Take part in a session as the model provider or the data provider.",
                "Attests the enclave against the contract, releases your key only to it, uploads your sealed asset,",
                "then receives the results (data provider) or the discard receipt (model provider). Both receipts are",
                "verified before anything is written. The data provider's data is first checked against the model",
                "signature in the contract (its .npy header or first CSV row), before connecting; its results are written",
                "as they are opened and appear only once every check passed.",
                "A contract runs once: join keeps a record of the contracts it released a key for (--state) and refuses",
                "to run one again unless it is named with --rerun."})
final class JoinCommand implements Callable<Integer> {
    /** Its result line goes to this command line's own stream: two joins in one JVM (tests) never swap each other's. */
    @Spec
    CommandSpec spec;
    @Option(names = "--role", required = true, description = "model_provider or data_provider")
    String role;
    @Option(names = "--enclave", required = true, description = "host:port of 'veil enclave run'")
    String enclave;
    @Option(names = "--contract", required = true, description = "the contract signed by both providers")
    Path contract;
    @Option(names = "--identity", required = true, description = "your secret identity file (.key)")
    Path identity;
    @Option(names = "--sealed", required = true, description = "your sealed model or dataset")
    Path sealed;
    @Option(names = "--key", required = true, description = "its key file")
    Path key;
    @Option(names = "--out", description = "data provider: where to write the decrypted output (created 0600)")
    Path out;
    @Option(names = "--receipt-out", description = "where to write the verified receipt (JSON)")
    Path receiptOut;
    @Option(names = "--force", description = "overwrite --out and --receipt-out if they exist")
    boolean force;
    @Mixin
    OwnCollateralOptions ownCollateral;
    @Option(names = "--state", description = "where the record of contracts you ran is kept (default ~/.local/state/veil)")
    Path state;
    @Option(names = "--rerun", paramLabel = "HASH-PREFIX",
            description = "run a contract you already ran again, named by the first 8+ hex digits of its hash")
    String rerun;

    @Override
    public Integer call() throws Exception {
        Role r = ContractCommand.role(role);
        if (r == Role.DATA_PROVIDER && out == null) {
            throw new CliFailure("the data provider needs --out for the decrypted results");
        }
        Endpoint at = Endpoint.parse(enclave);
        refuseExisting(out);
        refuseExisting(receiptOut);
        if (out != null && receiptOut != null && out.toAbsolutePath().normalize().equals(receiptOut.toAbsolutePath().normalize())) {
            throw new CliFailure("--out and --receipt-out name the same file; give each its own path");
        }
        SignedContract sc = SignedContract.read(contract);
        VerificationOptions options = new VerificationOptions(Instant.now(), ownCollateral.files());
        TrustedCollateral fetched = ownCollateral.fetcher();
        CompletedContracts record = new CompletedContracts(state != null ? state : CompletedContracts.defaultStateDir(), Optional.ofNullable(rerun));
        SealedAsset sealedAsset = readSealed();
        try (Identity id = readIdentity();
             AssetKey k = readKey()) {
            if (r == Role.DATA_PROVIDER) {
                // Before anything is sent: data that cannot fit the signed model is one line here, not a released key.
                ContractVerifier.verify(sc, Instant.now());
                DatasetCheck.requireFits(sc.contract(), sealedAsset, k);
            }
            InetAddress host = at.resolve();
            ProviderFlow.Outcome o;
            // The data provider's output is written as it is opened, to a temporary file moved into place only once
            // every check passed: a dataset of any size never has its results in memory.
            try (AtomicOutput results = r == Role.DATA_PROVIDER ? AtomicOutput.openSecret(out) : null) {
                o = ProviderFlow.run(id, r, sc, host.getHostAddress(), at.port(), sealedAsset, k, options, fetched, record,
                        results == null ? null : results.stream(),
                        (who, step, nanos, detail) -> System.err.printf("[%s] %-16s %7.1f ms  %s%n", who, step, nanos / 1e6, detail));
                if (results != null) {
                    results.commit(force);
                }
            } catch (FetchedTrustedCollateral.Unavailable e) {
                throw new CliFailure(e.getMessage());
            } catch (UnknownHostException | NoRouteToHostException | SocketTimeoutException e) {
                throw new CliFailure("cannot reach the enclave at " + enclave + " (" + e.getClass().getSimpleName()
                        + "); check --enclave and that 'veil enclave run' is listening there");
            }
            if (o.result() != null) {
                if (receiptOut != null) {
                    write(receiptOut, Json.pretty(o.result().signedReceipt()).getBytes(StandardCharsets.UTF_8), false);
                }
                spec.commandLine().getOut().println(JsonOut.line(JsonOut.fields("output", out.toString(), "rows", o.result().rows(),
                        "output_commitment", o.result().receipt().outputCommitment(),
                        "commitment_salt", java.util.HexFormat.of().formatHex(o.result().commitmentSalt()), "receipt_verified", true)));
            } else {
                if (receiptOut != null) {
                    write(receiptOut, Json.pretty(o.discard().signed()).getBytes(StandardCharsets.UTF_8), false);
                }
                spec.commandLine().getOut().println(JsonOut.line(JsonOut.fields("discarded", true, "outcome", o.discard().receipt().outcome(),
                        "released", o.discard().receipt().released(), "receipt_verified", true)));
                if (!o.discard().receipt().completed()) {
                    throw new CliFailure("the session ended before the model ran (" + o.discard().receipt().outcome()
                            + "); the enclave discarded the model and signed a receipt");
                }
            }
        }
        return ExitCodes.OK;
    }

    private SealedAsset readSealed() throws CliFailure, IOException {
        try {
            return SealedAsset.of(sealed);
        } catch (ProtocolException e) {
            throw new CliFailure(e.getMessage() + "; seal it with 'veil seal' first");
        }
    }

    /** host:port from --enclave; the host is resolved before anything is sent, so a typo is one clear line. */
    record Endpoint(String host, int port) {
        static Endpoint parse(String enclave) throws CliFailure {
            int colon = enclave.lastIndexOf(':');
            if (colon < 1) {
                throw new CliFailure("--enclave must be host:port, e.g. enclave.example.org:7443");
            }
            int port;
            try {
                port = Integer.parseInt(enclave.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new CliFailure("--enclave port '" + enclave.substring(colon + 1) + "' is not a number");
            }
            if (port < 1 || port > 65535) {
                throw new CliFailure("--enclave port " + port + " is not between 1 and 65535");
            }
            String host = enclave.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return new Endpoint(host, port);
        }

        InetAddress resolve() throws CliFailure {
            try {
                return InetAddress.getByName(host);
            } catch (UnknownHostException e) {
                throw new CliFailure("cannot resolve the enclave host '" + host + "'; check the host name in --enclave");
            }
        }
    }

    private void refuseExisting(Path p) throws CliFailure {
        if (p != null && !force && Files.exists(p)) {
            throw new CliFailure("refusing to overwrite " + p + "; remove it, choose another path, or pass --force");
        }
    }

    /** Written complete or not at all; an existing file is replaced only with --force, even if it appeared meanwhile. */
    private void write(Path target, byte[] bytes, boolean secret) throws IOException {
        try (AtomicOutput o = secret ? AtomicOutput.openSecret(target) : AtomicOutput.open(target)) {
            o.stream().write(bytes);
            o.commit(force);
        }
    }

    private Identity readIdentity() throws CliFailure, IOException, ProtocolException {
        requireText(identity, "--identity", "the .key identity file 'veil keygen' wrote");
        return IdentityFiles.readSecret(identity);
    }

    private AssetKey readKey() throws CliFailure, IOException, SealException {
        byte[] raw = Files.readAllBytes(key);
        try {
            String text = requireText(key, raw, "--key", "the .key file 'veil seal' wrote");
            return AssetKey.fromKeyFileText(text);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    private static void requireText(Path file, String option, String expected) throws CliFailure, IOException {
        byte[] raw = Files.readAllBytes(file);
        try {
            requireText(file, raw, option, expected);
        } finally {
            Arrays.fill(raw, (byte) 0);
        }
    }

    /** Secret files are short text; anything else (a sealed file, a binary) is the wrong file, said in one line. */
    private static String requireText(Path file, byte[] raw, String option, String expected) throws CliFailure {
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(raw)).toString();
            if (text.chars().anyMatch(c -> c < 0x20 && c != '\n' && c != '\r' && c != '\t')) {
                throw new CharacterCodingException();
            }
            return text;
        } catch (CharacterCodingException e) {
            throw new CliFailure(option + " " + file + " holds binary data, not a Veil key file; pass " + expected);
        }
    }
}
