package dev.veil.protocol.serving;

import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.OutputPolicy;
import dev.veil.protocol.contract.RowsAreTheBatch;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Decides whether a signed serving contract can serve now, and whom. Pure: the time is a parameter. */
public final class ServingContractVerifier {
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    /** Rows of one request: bounded so one request's tensors stay a size a server holds in memory. */
    public static final int MAX_ROWS_PER_REQUEST_LIMIT = 1_000_000;
    public static final int MAX_INFERENCE_SECONDS_LIMIT = 3600;

    private ServingContractVerifier() {
    }

    /** A serving contract whose signature, terms and expiry passed, with its hash. */
    public record Verified(ServingContract contract, byte[] hash, Instant expiresAt) {
        public Verified {
            hash = hash.clone();
        }

        @Override
        public byte[] hash() {
            return hash.clone();
        }

        public String hashHex() {
            return Digests.hex(hash);
        }

        /**
         * The budget of {@code dp} if this contract lets it query; refused otherwise. A listed identity must match in
         * all its keys (the name is a label); with {@code any}, every identity with well-formed keys may query.
         */
        public ServingBudget budgetFor(PublicIdentity dp) throws ProtocolException {
            String keyProblem = dp.keyProblem();
            if (keyProblem != null) {
                throw new ProtocolException("data provider " + dp.fingerprint() + ": " + keyProblem);
            }
            DataProviderAccess access = contract.dataProviders();
            if (!access.any() && access.identities().stream().noneMatch(dp::sameKeysAs)) {
                throw new ProtocolException("data provider " + dp.fingerprint()
                        + " is not one the serving contract lets query; the model provider must list it");
            }
            return contract.budget();
        }

        /** Whether the contract still serves at {@code now}. */
        public void requireUnexpired(Instant now) throws ProtocolException {
            if (!now.isBefore(expiresAt)) {
                throw new ProtocolException("serving contract expired at " + expiresAt + " (now " + now + ")");
            }
        }
    }

    public static Verified verify(SignedServingContract signed, Instant now) throws ProtocolException {
        ServingContract c = signed.servingContract();
        checkTerms(c);
        Instant expiry = expiry(c);
        if (!now.isBefore(expiry)) {
            throw new ProtocolException("serving contract expired at " + expiry + " (now " + now + "); draft and sign a new one");
        }
        byte[] sig = signed.modelProviderSignature();
        if (sig == null) {
            throw new ProtocolException("serving contract is not signed by its model provider " + c.modelProvider()
                    + " ('veil contract sign --role model_provider')");
        }
        if (!c.modelProvider().verify(c.signingMessage(), sig)) {
            throw new ProtocolException("serving contract signature of the model provider " + c.modelProvider()
                    + " does not verify: the contract was changed after signing or signed by another key");
        }
        return new Verified(c, c.hash(), expiry);
    }

    /** Checks the terms alone (no signature, no expiry): used when drafting and before signing. */
    public static void checkTerms(ServingContract c) throws ProtocolException {
        require(c.veilServingContract() == ServingContract.VERSION, "serving contract version " + c.veilServingContract()
                + " is not supported (expected " + ServingContract.VERSION + ")");
        require(c.contractId().matches("[0-9a-f]{32}"), "serving contract contract_id must be 32 hex digits");
        require(c.model().sha256() != null && SHA256_HEX.matcher(c.model().sha256()).matches(),
                "serving contract model.sha256 must be 64 lowercase hex digits");
        require(c.model().signature() != null, "serving contract model.signature is missing: draft the contract from the "
                + "model ('veil contract draft --mode serving --model')");
        String mpKey = c.modelProvider().keyProblem();
        require(mpKey == null, "serving contract model_provider " + c.modelProvider().name() + ": " + mpKey);
        checkDataProviders(c);
        require(c.maxInstances() == null || (c.maxInstances() >= 1 && c.maxInstances() <= ContractVerifier.MAX_INSTANCES_LIMIT),
                "serving contract max_instances must be 1.." + ContractVerifier.MAX_INSTANCES_LIMIT + " or absent (one instance)");
        long perDay = c.budget().rowsPerDay();
        long total = c.budget().rowsTotal();
        int perRequest = c.limits().maxRowsPerRequest();
        require(perDay >= 1 && total >= 1, "serving contract budget.rows_per_day and budget.rows_total must be at least 1");
        require(perDay <= total, "serving contract budget.rows_per_day (" + perDay + ") is more than budget.rows_total ("
                + total + ")");
        require(perRequest >= 1 && perRequest <= MAX_ROWS_PER_REQUEST_LIMIT,
                "serving contract limits.max_rows_per_request must be 1.." + MAX_ROWS_PER_REQUEST_LIMIT);
        require(perRequest <= perDay, "serving contract limits.max_rows_per_request (" + perRequest
                + ") is more than budget.rows_per_day (" + perDay + "): no such request could ever be answered");
        int instances = c.instanceLimit();
        require(perRequest <= perDay / instances, "serving contract limits.max_rows_per_request (" + perRequest
                + ") is more than one instance's share of budget.rows_per_day (" + perDay + " / max_instances " + instances
                + "): each instance counts only its own answers, so it enforces its share; raise the budget or lower max_instances");
        String rowsProblem = RowsAreTheBatch.problem(c.model().signature(), "the budgets");
        require(rowsProblem == null, "serving contract " + rowsProblem);
        require(c.limits().maxInferenceSeconds() >= 1 && c.limits().maxInferenceSeconds() <= MAX_INFERENCE_SECONDS_LIMIT,
                "serving contract limits.max_inference_seconds must be 1.." + MAX_INFERENCE_SECONDS_LIMIT);
        String outputProblem = c.output().problem();
        require(outputProblem == null, "serving contract " + outputProblem);
        // A serving answer is one request's outputs: labels and top_k are batch encodings of a whole dataset.
        require(OutputPolicy.NPZ.equals(c.output().kind()) || OutputPolicy.SCORES.equals(c.output().kind()),
                "serving contract output is '" + c.output().kind() + "'; serving answers npz (every output by name) or scores "
                        + "(the first output)");
        ReferenceValues rv = c.enclave().referenceValues();
        List<String> problems = rv.problems();
        if (!problems.isEmpty()) {
            throw new ProtocolException("serving contract enclave reference values: " + problems.get(0)
                    + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : ""));
        }
        require(rv.platform() != Platform.SIM || rv.allowSimulated(),
                "serving contract accepts platform sim but allow_simulated is false; set it explicitly, for development only");
        expiry(c);
    }

    private static void checkDataProviders(ServingContract c) throws ProtocolException {
        DataProviderAccess access = c.dataProviders();
        if (access.any()) {
            require(access.identities().isEmpty(), "serving contract data_providers.any is true but identities are listed too; "
                    + "list identities with any false, or none with any true");
            return;
        }
        require(!access.identities().isEmpty(), "serving contract data_providers lists no identity and any is false: "
                + "no data provider could query; list identities, or set any to true explicitly");
        Set<String> signingKeys = new HashSet<>();
        for (PublicIdentity dp : access.identities()) {
            String keyProblem = dp.keyProblem();
            require(keyProblem == null, "serving contract data provider " + dp.name() + ": " + keyProblem);
            require(signingKeys.add(Digests.hex(dp.signingKey())), "serving contract lists data provider signing key "
                    + dp.fingerprint() + " twice: each data provider's budget is its own, so list it once");
            require(!java.util.Arrays.equals(dp.signingKey(), c.modelProvider().signingKey()),
                    "serving contract lists the model provider's own signing key as a data provider; query with an identity of its own");
        }
    }

    private static Instant expiry(ServingContract c) throws ProtocolException {
        try {
            return Instant.parse(c.expiresAt());
        } catch (DateTimeParseException e) {
            throw new ProtocolException("serving contract expires_at is not an ISO-8601 instant");
        }
    }

    private static void require(boolean ok, String message) throws ProtocolException {
        if (!ok) {
            throw new ProtocolException(message);
        }
    }
}
