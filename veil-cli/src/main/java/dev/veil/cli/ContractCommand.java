package dev.veil.cli;

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
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.seal.SealHeader;
import dev.veil.seal.Unsealer;
import dev.veil.seal.io.AtomicOutput;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "contract", mixinStandardHelpOptions = true,
        description = "Draft, sign and inspect the session contract both providers sign.",
        subcommands = {ContractCommand.Draft.class, ContractCommand.Sign.class, ContractCommand.Show.class})
final class ContractCommand {

    @Command(name = "draft", mixinStandardHelpOptions = true,
            description = "Write an unsigned contract for a model, two provider identities and the enclave's reference values.")
    static final class Draft implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "the model: plaintext .onnx, or its sealed file (digest read from the header)")
        Path model;
        @Option(names = "--model-name", defaultValue = "", description = "a human-readable model name")
        String modelName;
        @Option(names = "--model-provider", required = true, description = "model provider's public identity (.pub.json)")
        Path mp;
        @Option(names = "--data-provider", required = true, description = "data provider's public identity (.pub.json)")
        Path dp;
        @Option(names = "--platform", required = true, description = "sim, snp, tdx, sgx or nitro")
        String platform;
        @Option(names = "--measurement", required = true, description = "accepted enclave measurement (hex); repeat for several")
        List<String> measurements;
        @Option(names = "--allow-simulated", description = "accept the INSECURE simulated TEE (development only)")
        boolean allowSimulated;
        @Option(names = "--allow-debug", description = "accept debug enclaves, whose memory the host can read (testing only)")
        boolean allowDebug;
        @Option(names = "--claim", description = "pin a platform claim exactly, e.g. rtmr1=<hex>, mrsigner=<hex>, pcr1=<hex>, vmpl=0; repeatable")
        java.util.Map<String, String> claims = new java.util.LinkedHashMap<>();
        @Option(names = "--min-tcb", description = "SNP minimum TCB component, e.g. snp=8, bl=3, ucode=115; repeatable")
        java.util.Map<String, Integer> minTcb = new java.util.LinkedHashMap<>();
        @Option(names = "--tcb-status", description = "accepted DCAP TCB status, e.g. UpToDate; repeatable (default: not enforced)")
        List<String> tcbStatuses = new java.util.ArrayList<>();
        @Option(names = "--forbid-advisory", description = "an Intel advisory that must not apply, e.g. INTEL-SA-00615; repeatable")
        List<String> forbiddenAdvisories = new java.util.ArrayList<>();
        @Option(names = "--output", defaultValue = "labels", description = "labels, scores or top_k:K (default ${DEFAULT-VALUE})")
        String output;
        @Option(names = "--key-wrap", defaultValue = "MLKEM768-X25519", description = "MLKEM768-X25519 (default) or X25519")
        String keyWrap;
        @Option(names = "--expires-in", defaultValue = "24h", description = "validity, e.g. 30m, 24h, 7d (default ${DEFAULT-VALUE})")
        String expiresIn;
        @Option(names = "--out", required = true, description = "contract file to write")
        Path out;

        @Override
        public Integer call() throws Exception {
            SessionContract c = SessionContract.draft(new ModelTerms(modelDigest(model), modelName),
                    IdentityFiles.readPublic(mp), IdentityFiles.readPublic(dp),
                    new EnclavePolicy(platform.toLowerCase(Locale.ROOT),
                            measurements.stream().map(m -> m.toLowerCase(Locale.ROOT)).toList(), allowDebug, allowSimulated,
                            claims, minTcb, tcbStatuses, forbiddenAdvisories),
                    suite(keyWrap), parseOutput(output), Instant.now().plus(parseDuration(expiresIn)));
            SignedContract unsigned = SignedContract.unsigned(c);
            try {
                ContractVerifier.checkTerms(c);
            } catch (ProtocolException e) {
                throw new CliFailure(e.getMessage());
            }
            AtomicOutput.write(out, Json.pretty(unsigned).getBytes(StandardCharsets.UTF_8), false);
            System.out.println(JsonOut.line(JsonOut.fields("contract", out.toString(), "contract_hash", Digests.hex(c.hash()),
                    "model_sha256", c.model().sha256(), "signed_by", List.of())));
            return ExitCodes.OK;
        }
    }

    @Command(name = "sign", mixinStandardHelpOptions = true, description = "Add your signature to a contract file (in place).")
    static final class Sign implements Callable<Integer> {
        @Option(names = "--contract", required = true)
        Path contract;
        @Option(names = "--identity", required = true, description = "your secret identity file (.key)")
        Path identity;
        @Option(names = "--role", required = true, description = "model_provider or data_provider")
        String role;

        @Override
        public Integer call() throws Exception {
            Role r = role(role);
            SignedContract sc = SignedContract.read(contract);
            try (Identity id = IdentityFiles.readSecret(identity)) {
                SignedContract signed = sc.signedBy(r, id);
                AtomicOutput.write(contract, Json.pretty(signed).getBytes(StandardCharsets.UTF_8), false);
                System.out.println(JsonOut.line(JsonOut.fields("contract", contract.toString(),
                        "contract_hash", Digests.hex(sc.contract().hash()), "signed_by", List.copyOf(signed.signatures().keySet()))));
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Print a contract's terms, hash and whether it can start a session now (exit 2 if not).")
    static final class Show implements Callable<Integer> {
        @Option(names = "--contract", required = true)
        Path contract;

        @Override
        public Integer call() throws Exception {
            SignedContract sc = SignedContract.read(contract);
            SessionContract c = sc.contract();
            String status;
            try {
                ContractVerifier.verify(sc, Instant.now());
                status = "valid";
            } catch (ProtocolException e) {
                status = e.getMessage();
            }
            System.out.println(JsonOut.pretty(JsonOut.fields("contract_hash", Digests.hex(c.hash()), "session_id", c.sessionId(),
                    "model_sha256", c.model().sha256(), "model_provider", c.modelProvider().toString(),
                    "data_provider", c.dataProvider().toString(), "platform", c.enclave().platform(),
                    "measurements", c.enclave().measurements(), "allow_simulated", c.enclave().allowSimulated(),
                    "allow_debug", c.enclave().allowDebug(), "output", c.output().kind() + (c.output().k() > 0 ? ":" + c.output().k() : ""),
                    "key_wrap", c.keyWrap().id(), "expires_at", c.expiresAt(), "signed_by", List.copyOf(sc.signatures().keySet()),
                    "status", status)));
            if (!status.equals("valid")) {
                throw new CliFailure("contract cannot start a session: " + status);
            }
            return ExitCodes.OK;
        }
    }

    static Role role(String r) throws CliFailure {
        try {
            return Role.fromId(r.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CliFailure(e.getMessage());
        }
    }

    static KeyWrapSuite suite(String s) throws CliFailure {
        try {
            return KeyWrapSuite.fromId(s);
        } catch (IllegalArgumentException e) {
            throw new CliFailure(e.getMessage());
        }
    }

    static OutputPolicy parseOutput(String s) throws CliFailure {
        String v = s.toLowerCase(Locale.ROOT);
        if (v.equals("labels")) {
            return OutputPolicy.labels();
        }
        if (v.equals("scores")) {
            return OutputPolicy.scores();
        }
        if (v.startsWith("top_k:")) {
            try {
                return OutputPolicy.topK(Integer.parseInt(v.substring(6)));
            } catch (NumberFormatException e) {
                throw new CliFailure("--output top_k:K needs an integer K");
            }
        }
        throw new CliFailure("--output '" + s + "' is not labels, scores or top_k:K");
    }

    static Duration parseDuration(String s) throws CliFailure {
        try {
            long n = Long.parseLong(s.substring(0, s.length() - 1));
            return switch (s.charAt(s.length() - 1)) {
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                default -> throw new NumberFormatException();
            };
        } catch (RuntimeException e) {
            throw new CliFailure("--expires-in '" + s + "' is not a duration like 30m, 24h or 7d");
        }
    }

    /** SHA-256 of a plaintext model, or the digest recorded in a sealed model's header. */
    static String modelDigest(Path model) throws Exception {
        try (InputStream in = Files.newInputStream(model)) {
            byte[] head = in.readNBytes(SealHeader.MAGIC.length);
            if (java.util.Arrays.equals(head, SealHeader.MAGIC)) {
                try (InputStream again = Files.newInputStream(model)) {
                    return Unsealer.readHeader(again).plaintextSha256Hex();
                }
            }
        }
        return Digests.hex(dev.veil.seal.Sealer.sha256(model));
    }
}
