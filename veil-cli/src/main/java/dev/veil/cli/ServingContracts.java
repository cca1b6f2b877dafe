package dev.veil.cli;

import dev.veil.attest.ReferenceValues;
import dev.veil.protocol.contract.EnclavePolicy;
import dev.veil.protocol.contract.ModelTerms;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.IdentityFiles;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.KeyWrapSuite;
import dev.veil.protocol.serving.DataProviderAccess;
import dev.veil.protocol.serving.ServingBudget;
import dev.veil.protocol.serving.ServingContract;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.serving.ServingLimits;
import dev.veil.protocol.serving.SignedServingContract;
import dev.veil.seal.io.AtomicOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** `veil contract draft --mode serving`, and `sign`/`show` of a serving contract file. */
final class ServingContracts {
    static final String ANY_WARNING = "veil: ANY DATA PROVIDER may query under this contract: budgets are per identity and "
            + "anyone can make new identities, so they do not bound the rows answered in total";

    private ServingContracts() {
    }

    /** Whether {@code file} holds a serving contract (its top-level key), rather than a batch one. */
    static boolean isServing(Path file) throws IOException {
        try {
            return Json.mapper().readTree(Files.readAllBytes(file)).has("serving_contract");
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            return false; // not JSON: the batch reader names the problem
        }
    }

    /** The terms of a serving draft, from options already checked for their mode. */
    record Terms(ModelTerms model, PublicIdentity mp, List<PublicIdentity> dataProviders, boolean anyDataProvider,
                 ReferenceValues rv, KeyWrapSuite keyWrap, OutputPolicy output, long rowsPerDay, long rowsTotal,
                 int maxRowsPerRequest, int maxInferenceSeconds, Instant expiresAt, Integer maxInstances) {
    }

    static void draft(Terms t, Path out) throws CliFailure, IOException {
        DataProviderAccess access = t.anyDataProvider() ? DataProviderAccess.anyDataProvider() : DataProviderAccess.only(t.dataProviders());
        ServingContract c = ServingContract.draft(t.model(), t.mp(), new EnclavePolicy(t.rv()), t.keyWrap(), t.output(), access,
                new ServingBudget(t.rowsPerDay(), t.rowsTotal()), new ServingLimits(t.maxRowsPerRequest(), t.maxInferenceSeconds()),
                t.expiresAt()).withMaxInstances(t.maxInstances());
        try {
            ServingContractVerifier.checkTerms(c);
        } catch (ProtocolException e) {
            throw new CliFailure(e.getMessage());
        }
        AtomicOutput.write(out, Json.pretty(SignedServingContract.unsigned(c)).getBytes(StandardCharsets.UTF_8), false);
        List<String> waivers = warn(c);
        System.out.println(JsonOut.line(JsonOut.fields("contract", out.toString(), "kind", "serving",
                "contract_hash", Digests.hex(c.hash()), "model_sha256", c.model().sha256(),
                "model_signature", c.model().signature().toString(), "max_instances", c.instanceLimit(), "waivers", waivers,
                "data_providers", dataProviders(c), "signed_by", List.of())));
    }

    static void sign(Path file, Identity signer) throws CliFailure, IOException, ProtocolException {
        SignedServingContract sc = SignedServingContract.read(file);
        ServingContract c = sc.servingContract();
        try {
            ServingContractVerifier.checkTerms(c);
        } catch (ProtocolException e) {
            throw new CliFailure("will not sign " + file + ": " + e.getMessage());
        }
        List<String> waivers = warn(c);
        SignedServingContract signed = sc.signedBy(signer);
        AtomicOutput.write(file, Json.pretty(signed).getBytes(StandardCharsets.UTF_8), false);
        System.out.println(JsonOut.line(JsonOut.fields("contract", file.toString(), "kind", "serving",
                "contract_hash", Digests.hex(c.hash()), "max_instances", c.instanceLimit(), "waivers", waivers,
                "model_provider", c.modelProvider().name(), "model_provider_fingerprint", c.modelProvider().fingerprint(),
                "data_providers", dataProviders(c), "signed_by", List.of("model_provider"))));
    }

    static void show(Path file) throws CliFailure, IOException, ProtocolException {
        SignedServingContract sc = SignedServingContract.read(file);
        ServingContract c = sc.servingContract();
        String status;
        try {
            ServingContractVerifier.verify(sc, Instant.now());
            status = "valid";
        } catch (ProtocolException e) {
            status = e.getMessage();
        }
        List<String> waivers = warn(c);
        ReferenceValues rv = c.enclave().referenceValues();
        System.out.println(JsonOut.pretty(JsonOut.fields("kind", "serving", "contract_hash", Digests.hex(c.hash()),
                "contract_id", c.contractId(), "waivers", waivers,
                "data_providers", dataProviders(c),
                "model_sha256", c.model().sha256(),
                "model_signature", c.model().signature() == null ? null : c.model().signature().toString(),
                "model_provider", c.modelProvider().name(), "model_provider_fingerprint", c.modelProvider().fingerprint(),
                "platform", rv.platform().id(),
                "measurements", rv.measurements(), "allow_simulated", rv.allowSimulated(), "allow_debug", rv.allowDebug(),
                "claims", rv.claims(), "snp_min_tcb", rv.minTcb(),
                "min_tcb_evaluation_data_number", rv.minTcbEvaluationDataNumber(),
                "rows_per_day", c.budget().rowsPerDay(), "rows_total", c.budget().rowsTotal(),
                "max_rows_per_request", c.limits().maxRowsPerRequest(),
                "max_inference_seconds", c.limits().maxInferenceSeconds(), "max_instances", c.instanceLimit(),
                "output", c.output().kind() + (c.output().k() > 0 ? ":" + c.output().k() : ""),
                "key_wrap", c.keyWrap().id(), "expires_at", c.expiresAt(),
                "signed_by", sc.modelProviderSignature() == null ? List.of() : List.of("model_provider"),
                "status", status)));
        if (!status.equals("valid")) {
            throw new CliFailure("serving contract cannot serve: " + status);
        }
    }

    /** "any" (shouted on stderr), or each listed data provider's name and fingerprint. */
    private static Object dataProviders(ServingContract c) {
        if (c.dataProviders().any()) {
            return "ANY (budgets are per identity, and anyone can make identities)";
        }
        List<Map<String, String>> listed = new ArrayList<>();
        for (PublicIdentity dp : c.dataProviders().identities()) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("name", dp.name());
            m.put("fingerprint", dp.fingerprint());
            listed.add(m);
        }
        return listed;
    }

    /** Prints every relaxation, and "any data provider", on stderr; returns the waivers. */
    private static List<String> warn(ServingContract c) {
        List<String> waivers = c.enclave().referenceValues().relaxations();
        for (String w : waivers) {
            System.err.println("veil: WAIVER in this contract: " + w);
        }
        if (c.dataProviders().any()) {
            System.err.println(ANY_WARNING);
        }
        return waivers;
    }
}
