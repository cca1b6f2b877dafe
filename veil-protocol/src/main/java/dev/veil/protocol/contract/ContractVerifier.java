package dev.veil.protocol.contract;

import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import dev.veil.protocol.json.ProtocolException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.regex.Pattern;

/** Decides whether a signed contract can start a session now. Pure: the time is a parameter. */
public final class ContractVerifier {
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    /** The most instances a contract may let a key broker release to (batch and serving alike). */
    public static final int MAX_INSTANCES_LIMIT = 10_000;

    private ContractVerifier() {
    }

    /** A contract that passed every check, with its hash. */
    public record Verified(SessionContract contract, byte[] hash) {
        public Verified {
            hash = hash.clone();
        }

        @Override
        public byte[] hash() {
            return hash.clone();
        }

        public String hashHex() {
            return dev.veil.protocol.json.Digests.hex(hash);
        }
    }

    public static Verified verify(SignedContract signed, Instant now) throws ProtocolException {
        SessionContract c = signed.contract();
        checkTerms(c);
        Instant expiry;
        try {
            expiry = Instant.parse(c.expiresAt());
        } catch (DateTimeParseException e) {
            throw new ProtocolException("contract expires_at '" + c.expiresAt() + "' is not an ISO-8601 instant");
        }
        if (!now.isBefore(expiry)) {
            throw new ProtocolException("contract expired at " + expiry + " (now " + now + "); draft and sign a new one");
        }
        for (Role role : Role.values()) {
            byte[] sig = signed.signatures().get(role.id());
            if (sig == null) {
                throw new ProtocolException("contract is not signed by the " + role + " " + c.party(role)
                        + "; both parties must sign it ('veil contract sign')");
            }
            if (!c.party(role).verify(c.signingMessage(role), sig)) {
                throw new ProtocolException("contract signature of the " + role + " " + c.party(role)
                        + " does not verify: the contract was changed after signing or signed by another key");
            }
        }
        for (String k : signed.signatures().keySet()) {
            if (!k.equals(Role.MODEL_PROVIDER.id()) && !k.equals(Role.DATA_PROVIDER.id())) {
                throw new ProtocolException("contract carries a signature for unknown role '" + k + "'");
            }
        }
        return new Verified(c, c.hash());
    }

    /** Checks the terms alone (no signatures, no expiry): used when drafting. */
    public static void checkTerms(SessionContract c) throws ProtocolException {
        require(c.sessionId() != null && c.sessionId().matches("[0-9a-f]{32}"), "contract session_id must be 32 hex digits");
        require(c.model() != null && c.model().sha256() != null && SHA256_HEX.matcher(c.model().sha256()).matches(),
                "contract model.sha256 must be 64 lowercase hex digits");
        require(c.model().signature() != null, "contract model.signature is missing: draft the contract from the model "
                + "('veil contract draft --model')");
        require(c.modelProvider() != null && c.dataProvider() != null, "contract must name both providers");
        require(!c.modelProvider().sameKeysAs(c.dataProvider()), "contract names the same identity as both providers");
        String shared = SharedKeys.between(c.modelProvider(), c.dataProvider());
        require(shared == null, "contract providers share " + shared
                + ": each provider must sign and receive keys with its own identity ('veil keygen')");
        // After the sharing checks, so a shared key is named as such; a second encoding of one key is refused here.
        for (Role role : Role.values()) {
            String keyProblem = c.party(role).keyProblem();
            require(keyProblem == null, "contract " + role + " " + c.party(role).name() + ": " + keyProblem);
        }
        require(c.dataProvider().fingerprint().equals(c.resultRecipient()),
                "contract result_recipient " + c.resultRecipient() + " is not the data provider's fingerprint " + c.dataProvider().fingerprint());
        require(c.keyWrap() != null, "contract key_wrap is missing");
        SessionLimits limits = c.limits();
        require(limits != null, "contract limits are missing");
        require(limits.datasetSha256() == null || SHA256_HEX.matcher(limits.datasetSha256()).matches(),
                "contract limits.dataset_sha256 must be 64 lowercase hex digits or absent");
        require(limits.maxRows() >= 1, "contract limits.max_rows must be at least 1");
        String rowsProblem = RowsAreTheBatch.problem(c.model().signature(), "limits.max_rows");
        require(rowsProblem == null, "contract " + rowsProblem);
        require(limits.maxInferenceSeconds() >= 1 && limits.maxInferenceSeconds() <= 7 * 24 * 3600,
                "contract limits.max_inference_seconds must be 1..604800");
        require(c.maxInstances() == null || (c.maxInstances() >= 1 && c.maxInstances() <= MAX_INSTANCES_LIMIT),
                "contract max_instances must be 1.." + MAX_INSTANCES_LIMIT + " or absent (one instance)");
        require(c.output() != null, "contract output is missing");
        String outputProblem = c.output().problem();
        require(outputProblem == null, "contract " + outputProblem);
        require(c.enclave() != null, "contract enclave reference values are missing");
        ReferenceValues rv = c.enclave().referenceValues();
        List<String> problems = rv.problems();
        if (!problems.isEmpty()) {
            throw new ProtocolException("contract enclave reference values: " + problems.get(0)
                    + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : ""));
        }
        require(rv.platform() != Platform.SIM || rv.allowSimulated(),
                "contract accepts platform sim but allow_simulated is false; set it explicitly, for development only");
    }

    private static void require(boolean ok, String message) throws ProtocolException {
        if (!ok) {
            throw new ProtocolException(message);
        }
    }
}
