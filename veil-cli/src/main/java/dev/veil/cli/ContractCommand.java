package dev.veil.cli;

import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import dev.veil.attest.policy.ReferenceValuesRules;
import dev.veil.attest.policy.Waivers;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SessionContract;
import dev.veil.protocol.contract.SessionLimits;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.serving.ServingLimits;
import dev.veil.seal.io.AtomicOutput;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "contract", mixinStandardHelpOptions = true,
        description = {"Draft, sign and inspect contracts.",
                "A batch session contract both providers sign, or a serving contract (--mode serving) the model provider",
                "alone signs."},
        subcommands = {ContractCommand.Draft.class, ContractCommand.Sign.class, ContractCommand.Show.class})
final class ContractCommand {

    @Command(name = "draft", mixinStandardHelpOptions = true,
            description = {"Write an unsigned contract for a model, the provider identities and the enclave's reference values.",
                    "--mode batch (default): one session between a model provider and one data provider.",
                    "--mode serving: the model provider serves the model to the data providers listed (or, explicitly, any),",
                    "within per-data-provider budgets.",
                    "Safe by default (docs/POLICY.md): TCB status UpToDate, no advisory, complete collateral, SNP at VMPL 0",
                    "with a minimum TCB, no debug, no simulation. Every relaxation is a named option, recorded in the",
                    "contract as a waiver and listed by 'veil contract show'."})
    static final class Draft implements Callable<Integer> {
        @Option(names = "--mode", defaultValue = "batch", description = "batch (default) or serving")
        String mode;
        @Option(names = "--model", required = true, description = "the plaintext ONNX model (not its sealed file)")
        Path model;
        @Option(names = "--model-name", defaultValue = "", description = "a human-readable model name")
        String modelName;
        @Option(names = "--model-provider", required = true, description = "model provider's public identity (.pub.json)")
        Path mp;
        @Option(names = "--data-provider", description = "data provider's public identity (.pub.json); batch: exactly one; "
                + "serving: each one that may query (repeatable)")
        List<Path> dps = new ArrayList<>();
        @Option(names = "--any-data-provider", description = "serving: let ANY identity query (instead of --data-provider); "
                + "budgets are then per identity, and anyone can make identities")
        boolean anyDataProvider;
        @Option(names = "--rows-per-day", description = "serving: most rows one data provider may have answered per UTC day (required)")
        Long rowsPerDay;
        @Option(names = "--rows-total", description = "serving: most rows one data provider may have answered in all (required)")
        Long rowsTotal;
        @Option(names = "--max-rows-per-request", description = "serving: most rows one request may carry (required)")
        Integer maxRowsPerRequest;
        @Option(names = "--platform", required = true, description = "sim, snp, tdx, sgx or nitro")
        String platform;
        @Option(names = "--measurement", required = true,
                description = "accepted launch measurement (hex: snp/tdx/nitro/sim 48 bytes, sgx 32 bytes); repeat for several")
        List<String> measurements;
        @Option(names = "--allow-simulated", description = "accept the INSECURE simulated TEE (development only)")
        boolean allowSimulated;
        @Option(names = "--allow-debug", description = "accept debug enclaves, whose memory the host can read (testing only)")
        boolean allowDebug;
        @Option(names = "--claim", description = "pin a platform claim exactly, e.g. rtmr1=<hex>, mrsigner=<hex>, pcr1=<hex>; vmpl=N replaces the SNP default 0; tdx needs rtmr0, rtmr1 and rtmr2; repeatable")
        Map<String, String> claims = new LinkedHashMap<>();
        @Option(names = "--snp-min-tcb", description = "SNP minimum TCB component: bl, tee, snp and ucode are required (e.g. bl=3 tee=0 snp=8 ucode=115), fmc too for Turin; repeatable")
        Map<String, Integer> snpMinTcb = new LinkedHashMap<>();
        @Option(names = "--no-snp-min-tcb", description = "waiver: accept SNP firmware of any TCB version (instead of --snp-min-tcb)")
        boolean noSnpMinTcb;
        @Option(names = "--no-tdx-rtmr-pins", description = "waiver: accept any OS the host boots on the pinned TDX firmware "
                + "(instead of --claim rtmr0=, rtmr1=, rtmr2=)")
        boolean noTdxRtmrPins;
        @Option(names = "--min-tcb-evaluation-data-number", description = "TDX/SGX: lowest accepted Intel tcbEvaluationDataNumber")
        Integer minTcbEvaluationDataNumber;
        @Option(names = "--waive-tcb-status", description = "waiver: accept this Intel TCB status besides UpToDate, e.g. SWHardeningNeeded; repeatable")
        List<String> waivedTcbStatuses = new ArrayList<>();
        @Option(names = "--waive-advisory", description = "waiver: accept a platform affected by this advisory, e.g. INTEL-SA-00615; repeatable")
        List<String> waivedAdvisories = new ArrayList<>();
        @Option(names = "--waive-missing-collateral", description = "waiver: accept evidence verified without this collateral kind "
                + "(tcb_info, qe_identity, pck_crl, root_ca_crl; snp: amd_crl); repeatable")
        List<String> waivedMissingCollateral = new ArrayList<>();
        @Option(names = "--dataset-sha256", description = "batch: pin the SHA-256 (hex) of the only dataset plaintext this contract may run on")
        String datasetSha256;
        @Option(names = "--max-rows", description = "batch: most input rows the model may be run over (default "
                + SessionLimits.DEFAULT_MAX_ROWS + ")")
        Long maxRows;
        @Option(names = "--max-inference-seconds", description = "wall-clock limit of the model run: batch 1..604800 (default "
                + SessionLimits.DEFAULT_MAX_INFERENCE_SECONDS + "), serving per request 1..3600 (default "
                + ServingLimits.DEFAULT_MAX_INFERENCE_SECONDS + ")")
        Integer maxInferenceSeconds;
        @Option(names = "--max-size", description = {"most elements one row may hold along a free model input dimension after the",
                "first, by its name, e.g. sequence_length=128 (MiniLM) or p2o.DynamicDimension.1=960; required for each such dimension,",
                "since rows are what max_rows and budgets count; repeatable"})
        List<String> maxSizes = new ArrayList<>();
        @Option(names = "--output", description = {"labels, scores, top_k:K, or npz (every output by name, for an .npz dataset);",
                "default labels for batch, npz for serving (which answers npz or scores)"})
        String output;
        @Option(names = "--max-instances", description = {"how many enclave instances a provider's key broker ('veil broker') may",
                "release to under this contract, 1.." + ContractVerifier.MAX_INSTANCES_LIMIT + " (default 1)"})
        Integer maxInstances;
        @Option(names = "--key-wrap", defaultValue = "MLKEM768-X25519", description = "MLKEM768-X25519 (default) or X25519")
        String keyWrap;
        @Option(names = "--expires-in", defaultValue = "24h", description = "validity, e.g. 30m, 24h, 7d (default ${DEFAULT-VALUE})")
        String expiresIn;
        @Option(names = "--out", required = true, description = "contract file to write")
        Path out;
        @Option(names = "--force", description = "replace --out if it exists")
        boolean force;

        @Override
        public Integer call() throws Exception {
            if (Files.exists(out) && !force) {
                throw new CliFailure(out + " exists; choose another --out or pass --force to replace it");
            }
            if (mode.equals("serving")) {
                return draftServing();
            }
            if (!mode.equals("batch")) {
                throw new CliFailure("--mode '" + mode + "' is not batch or serving");
            }
            refuseOptionsOfTheOtherMode("batch", Map.of("--any-data-provider", anyDataProvider, "--rows-per-day", rowsPerDay != null,
                    "--rows-total", rowsTotal != null, "--max-rows-per-request", maxRowsPerRequest != null));
            if (dps.size() != 1) {
                throw new CliFailure("a batch contract names exactly one --data-provider (" + dps.size() + " given); "
                        + "for many data providers draft --mode serving");
            }
            ReferenceValues rv = referenceValues();
            SessionContract c = SessionContract.draft(ModelFile.terms(model, modelName, maxSizes),
                    IdentityFiles.readPublic(mp), IdentityFiles.readPublic(dps.get(0)), new EnclavePolicy(rv),
                    suite(keyWrap), parseOutput(output == null ? "labels" : output), Instant.now().plus(parseDuration(expiresIn)),
                    new SessionLimits(datasetSha256 == null ? null : datasetSha256.toLowerCase(Locale.ROOT),
                            maxRows == null ? SessionLimits.DEFAULT_MAX_ROWS : maxRows,
                            maxInferenceSeconds == null ? SessionLimits.DEFAULT_MAX_INFERENCE_SECONDS : maxInferenceSeconds))
                    .withMaxInstances(maxInstances);
            try {
                ContractVerifier.checkTerms(c);
            } catch (ProtocolException e) {
                throw new CliFailure(e.getMessage());
            }
            AtomicOutput.write(out, Json.pretty(SignedContract.unsigned(c)).getBytes(StandardCharsets.UTF_8), false);
            for (String w : rv.relaxations()) {
                System.err.println("veil: WAIVER in this contract: " + w);
            }
            System.out.println(JsonOut.line(JsonOut.fields("contract", out.toString(), "contract_hash", Digests.hex(c.hash()),
                    "model_sha256", c.model().sha256(), "model_signature", c.model().signature().toString(),
                    "max_instances", c.instanceLimit(), "waivers", rv.relaxations(), "signed_by", List.of())));
            return ExitCodes.OK;
        }

        private Integer draftServing() throws Exception {
            refuseOptionsOfTheOtherMode("serving", Map.of("--dataset-sha256", datasetSha256 != null, "--max-rows", maxRows != null));
            if (anyDataProvider && !dps.isEmpty()) {
                throw new CliFailure("pass either --data-provider (each one that may query) or --any-data-provider, not both");
            }
            if (!anyDataProvider && dps.isEmpty()) {
                throw new CliFailure("a serving contract names who may query: --data-provider FILE for each, or --any-data-provider");
            }
            if (rowsPerDay == null || rowsTotal == null || maxRowsPerRequest == null) {
                throw new CliFailure("a serving contract needs budgets against model extraction: pass --rows-per-day N, "
                        + "--rows-total N and --max-rows-per-request N");
            }
            List<PublicIdentity> listed = new ArrayList<>();
            for (Path dp : dps) {
                listed.add(IdentityFiles.readPublic(dp));
            }
            ReferenceValues rv = referenceValues();
            ServingContracts.draft(new ServingContracts.Terms(ModelFile.terms(model, modelName, maxSizes), IdentityFiles.readPublic(mp), listed,
                    anyDataProvider, rv, suite(keyWrap), parseOutput(output == null ? "npz" : output), rowsPerDay, rowsTotal, maxRowsPerRequest,
                    maxInferenceSeconds == null ? ServingLimits.DEFAULT_MAX_INFERENCE_SECONDS : maxInferenceSeconds,
                    Instant.now().plus(parseDuration(expiresIn)), maxInstances), out);
            return ExitCodes.OK;
        }

        private static void refuseOptionsOfTheOtherMode(String mode, Map<String, Boolean> given) throws CliFailure {
            for (Map.Entry<String, Boolean> e : new java.util.TreeMap<>(given).entrySet()) {
                if (e.getValue()) {
                    throw new CliFailure(e.getKey() + " does not apply to a " + mode + " contract"
                            + (mode.equals("batch") ? "; pass --mode serving" : ""));
                }
            }
        }

        /** The reference values from the options, refused with one line naming the option to fix. */
        private ReferenceValues referenceValues() throws CliFailure {
            Platform p = platform(platform);
            if (p == Platform.SEV_SNP && snpMinTcb.isEmpty() && !noSnpMinTcb) {
                throw new CliFailure("an snp contract needs a minimum TCB: pass --snp-min-tcb for each component "
                        + "(e.g. --snp-min-tcb bl=3 --snp-min-tcb tee=0 --snp-min-tcb snp=8 --snp-min-tcb ucode=115), "
                        + "or --no-snp-min-tcb to accept any (recorded as a waiver)");
            }
            List<String> unpinned = ReferenceValuesRules.TDX_BOOT_RTMRS.stream().filter(r -> !claims.containsKey(r)).toList();
            if (p == Platform.TDX && !unpinned.isEmpty() && !noTdxRtmrPins) {
                // MRTD measures only the firmware: without these the contract accepts any OS booted on it
                throw new CliFailure("a tdx contract needs the RTMRs of what boots on the firmware: pass --claim rtmrN=<96 hex> "
                        + "for each of rtmr0, rtmr1 and rtmr2 (not pinned: " + String.join(", ", unpinned)
                        + "; veil attest verify prints them under \"claims\" for a quote of your TD), "
                        + "or --no-tdx-rtmr-pins to accept any OS on the pinned firmware (recorded as a waiver)");
            }
            List<String> lower = measurements.stream().map(m -> m.strip().toLowerCase(Locale.ROOT)).toList();
            for (String m : lower) {
                String problem = ReferenceValuesRules.measurementProblem(p, m);
                if (problem != null) {
                    throw new CliFailure("--measurement " + problem);
                }
            }
            if (p == Platform.SEV_SNP && !snpMinTcb.isEmpty()) {
                // A minimum for some components is none for the others; fmc (Turin only) is checked whenever a report has it.
                List<String> unnamed = ReferenceValuesRules.SNP_TCB_COMPONENTS_ALWAYS_REPORTED.stream()
                        .filter(k -> !snpMinTcb.containsKey(k)).toList();
                if (!unnamed.isEmpty()) {
                    throw new CliFailure("--snp-min-tcb names no minimum for " + String.join(", ", unnamed)
                            + ": every SNP report carries bl, tee, snp and ucode, so pass --snp-min-tcb for each "
                            + "(and fmc=N for Turin, whose reports are refused without it)");
                }
            }
            ReferenceValues rv = new ReferenceValues(p, lower, allowDebug, allowSimulated, claims, snpMinTcb,
                    minTcbEvaluationDataNumber, new Waivers(waivedTcbStatuses, waivedAdvisories, waivedMissingCollateral, noSnpMinTcb,
                    noTdxRtmrPins));
            List<String> problems = rv.problems();
            if (!problems.isEmpty()) {
                throw new CliFailure(problems.get(0));
            }
            return rv;
        }
    }

    @Command(name = "sign", mixinStandardHelpOptions = true,
            description = {"Add your signature to a contract file, in place.",
                    "Refuses terms no session could start with, and lists every relaxation of the safe defaults (stderr",
                    "WAIVER lines and \"waivers\") before signing."})
    static final class Sign implements Callable<Integer> {
        @Option(names = "--contract", required = true)
        Path contract;
        @Option(names = "--identity", required = true, description = "your secret identity file (.key)")
        Path identity;
        @Option(names = "--role", required = true, description = "model_provider or data_provider (a serving contract: model_provider)")
        String role;

        @Override
        public Integer call() throws Exception {
            Role r = role(role);
            if (ServingContracts.isServing(contract)) {
                if (r != Role.MODEL_PROVIDER) {
                    throw new CliFailure(contract + " is a serving contract: its model provider alone signs it "
                            + "(--role model_provider); a data provider consents per request");
                }
                try (Identity id = IdentityFiles.readSecret(identity)) {
                    ServingContracts.sign(contract, id);
                }
                return ExitCodes.OK;
            }
            SignedContract sc = SignedContract.read(contract);
            SessionContract c = sc.contract();
            // Signing is consent: the signer sees what the drafter relaxed, and terms checkTerms refuses collect no signature.
            try {
                ContractVerifier.checkTerms(c);
            } catch (ProtocolException e) {
                throw new CliFailure("will not sign " + contract + ": " + e.getMessage());
            }
            // the identity is read first: a mistake in it is the one line printed, not a line after the waivers
            try (Identity id = IdentityFiles.readSecret(identity)) {
                List<String> waivers = c.enclave().referenceValues().relaxations();
                for (String w : waivers) {
                    System.err.println("veil: WAIVER in this contract: " + w);
                }
                SignedContract signed = sc.signedBy(r, id);
                AtomicOutput.write(contract, Json.pretty(signed).getBytes(StandardCharsets.UTF_8), false);
                System.out.println(JsonOut.line(JsonOut.fields("contract", contract.toString(),
                        "contract_hash", Digests.hex(c.hash()), "max_instances", c.instanceLimit(), "waivers", waivers,
                        "model_signature", c.model().signature().toString(), "max_rows", c.limits().maxRows(),
                        "model_provider", c.modelProvider().name(), "model_provider_fingerprint", c.modelProvider().fingerprint(),
                        "data_provider", c.dataProvider().name(), "data_provider_fingerprint", c.dataProvider().fingerprint(),
                        "signed_by", List.copyOf(signed.signatures().keySet()))));
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Print a contract's terms, hash and whether it can start a session (or serve) now (exit 2 if not).")
    static final class Show implements Callable<Integer> {
        @Option(names = "--contract", required = true)
        Path contract;

        @Override
        public Integer call() throws Exception {
            if (ServingContracts.isServing(contract)) {
                ServingContracts.show(contract);
                return ExitCodes.OK;
            }
            SignedContract sc = SignedContract.read(contract);
            SessionContract c = sc.contract();
            String status;
            try {
                ContractVerifier.verify(sc, Instant.now());
                status = "valid";
            } catch (ProtocolException e) {
                status = e.getMessage();
            }
            ReferenceValues rv = c.enclave().referenceValues();
            List<String> waivers = rv.relaxations();
            for (String w : waivers) {
                System.err.println("veil: WAIVER in this contract: " + w);
            }
            SessionLimits limits = c.limits();
            System.out.println(JsonOut.pretty(JsonOut.fields("contract_hash", Digests.hex(c.hash()), "session_id", c.sessionId(),
                    "waivers", waivers,
                    "model_sha256", c.model().sha256(),
                    "model_signature", c.model().signature() == null ? null : c.model().signature().toString(),
                    "model_provider", c.modelProvider().name(), "model_provider_fingerprint", c.modelProvider().fingerprint(),
                    "data_provider", c.dataProvider().name(), "data_provider_fingerprint", c.dataProvider().fingerprint(),
                    "platform", rv.platform().id(),
                    "measurements", rv.measurements(), "allow_simulated", rv.allowSimulated(), "allow_debug", rv.allowDebug(),
                    "claims", rv.claims(), "snp_min_tcb", rv.minTcb(),
                    "min_tcb_evaluation_data_number", rv.minTcbEvaluationDataNumber(),
                    "dataset_sha256", limits == null ? null : limits.datasetSha256(),
                    "max_rows", limits == null ? null : limits.maxRows(),
                    "max_inference_seconds", limits == null ? null : limits.maxInferenceSeconds(),
                    "max_instances", c.instanceLimit(),
                    "output", c.output().kind() + (c.output().k() > 0 ? ":" + c.output().k() : ""),
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
        if (v.equals("npz")) {
            return OutputPolicy.npz();
        }
        if (v.startsWith("top_k:")) {
            try {
                return OutputPolicy.topK(Integer.parseInt(v.substring(6)));
            } catch (NumberFormatException e) {
                throw new CliFailure("--output top_k:K needs an integer K");
            }
        }
        throw new CliFailure("--output '" + s + "' is not labels, scores, top_k:K or npz");
    }

    /** Ten years: a contract meant to outlive that is a typo, and a larger value would overflow the expiry instant. */
    private static final Duration LONGEST_VALIDITY = Duration.ofDays(3650);

    static Duration parseDuration(String s) throws CliFailure {
        Duration d;
        try {
            long n = Long.parseLong(s.substring(0, s.length() - 1));
            if (n <= 0 || n > LONGEST_VALIDITY.toMinutes()) {
                throw new NumberFormatException();
            }
            d = switch (s.charAt(s.length() - 1)) {
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                default -> throw new NumberFormatException();
            };
        } catch (RuntimeException e) {
            throw new CliFailure("--expires-in '" + s + "' is not a positive duration like 30m, 24h or 7d");
        }
        if (d.compareTo(LONGEST_VALIDITY) > 0) {
            throw new CliFailure("--expires-in '" + s + "' is over ten years; give a shorter validity");
        }
        return d;
    }

    static Platform platform(String id) throws CliFailure {
        try {
            return Platform.fromId(id);
        } catch (IllegalArgumentException e) {
            throw new CliFailure(e.getMessage());
        }
    }
}
