package dev.veil.provider;

import dev.veil.attest.AttestationException;
import dev.veil.attest.VerificationOptions;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.provider.replay.ReplayGuard;
import dev.veil.seal.AssetKey;
import java.io.IOException;
import java.time.Instant;

/**
 * A provider's whole part in a session, as a sequence of named steps: attest the enclave, release the key, upload the
 * sealed asset, then collect the result (data provider) or the discard receipt (model provider). The listener hears
 * each step with its duration, so a CLI can narrate and a benchmark can time them.
 */
public final class ProviderFlow {
    /** Hears each finished step. */
    @FunctionalInterface
    public interface StepListener {
        StepListener NONE = (role, step, nanos, detail) -> { };

        void stepDone(Role role, String step, long nanos, String detail);
    }

    /** What a finished flow produced: the data provider's result, or the model provider's discard receipt. */
    public record Outcome(AttestedEnclave enclave, ProviderSession.Result result, ProviderSession.Discard discard) {
    }

    private ProviderFlow() {
    }

    /** A run with no trusted collateral beyond {@code options} and no replay record: for tests and the demo. */
    public static Outcome run(Identity identity, Role role, SignedContract contract, String host, int port,
                              byte[] sealedAsset, AssetKey key, VerificationOptions options, StepListener listener)
            throws IOException, ProtocolException, AttestationException {
        return run(identity, role, contract, host, port, sealedAsset, key, options, TrustedCollateral.NONE, ReplayGuard.NONE, listener);
    }

    /**
     * @param ownCollateral the provider's own collateral for the evidence it receives (a PCS/KDS fetch), trusted over
     *                      the host's copy
     * @param replay refuses a contract this provider already ran, and records this run before the key leaves
     */
    public static Outcome run(Identity identity, Role role, SignedContract contract, String host, int port,
                              byte[] sealedAsset, AssetKey key, VerificationOptions options, TrustedCollateral ownCollateral,
                              ReplayGuard replay, StepListener listener)
            throws IOException, ProtocolException, AttestationException {
        return run(identity, role, contract, host, port, SealedAsset.of(sealedAsset), key, options, ownCollateral, replay, null,
                listener);
    }

    /**
     * As above, with the sealed asset in memory or in a file (a dataset streams from its file), and the data provider's
     * output streamed to {@code resultOut} as it is opened (null: kept in memory, in the outcome). What was written to
     * {@code resultOut} counts only if this returns normally.
     */
    public static Outcome run(Identity identity, Role role, SignedContract contract, String host, int port,
                              SealedAsset sealedAsset, AssetKey key, VerificationOptions options, TrustedCollateral ownCollateral,
                              ReplayGuard replay, java.io.OutputStream resultOut, StepListener listener)
            throws IOException, ProtocolException, AttestationException {
        byte[] contractHash = ContractVerifier.verify(contract, Instant.now()).hash();
        AssetCheck.requireContractsAsset(contract.contract(), role, sealedAsset, key);
        replay.beforeConnecting(contractHash, role);
        long t = System.nanoTime();
        try (ProviderSession s = ProviderSession.connect(identity, role, contract, host, port)) {
            AttestedEnclave enclave = s.attest(options, ownCollateral);
            t = done(listener, role, "attest", t, "verified " + enclave.platform() + " evidence: measurement "
                    + enclave.claims().measurementHex().substring(0, 16) + "…, report data bound to nonce, contract and instance keys");
            replay.beforeKeyRelease(contractHash, role);
            s.releaseKey(key);
            t = done(listener, role, "release key", t, "asset key " + key.idHex() + " sealed to the attested instance key ("
                    + enclave.instanceKeys().keyWrapSuite().id() + ")");
            s.upload(sealedAsset);
            t = done(listener, role, "upload", t, sealedAsset.size() + " sealed bytes " + (role == Role.DATA_PROVIDER
                    ? "streamed through the model" : "accepted"));
            if (role == Role.DATA_PROVIDER) {
                ProviderSession.Result r = resultOut == null ? s.awaitResult() : s.awaitResult(resultOut);
                t = done(listener, role, "result", t, r.rows() + " rows; receipt verified; output opened with the data provider's key");
                recordFinished(replay, contractHash, role, listener, t);
                return new Outcome(enclave, r, null);
            }
            ProviderSession.Discard d = s.awaitDiscard();
            t = done(listener, role, "discard receipt", t, (d.receipt().completed() ? "session discarded; " : "session " + d.receipt().outcome() + "; ")
                    + "enclave released " + d.receipt().released().size() + " items; receipt verified");
            recordFinished(replay, contractHash, role, listener, t);
            return new Outcome(enclave, null, d);
        }
    }

    /** The "finished" line is a note: the "released" line written before the key left already blocks a rerun. */
    private static void recordFinished(ReplayGuard replay, byte[] contractHash, Role role, StepListener listener, long since) {
        try {
            replay.finished(contractHash, role);
        } catch (IOException | ProtocolException e) {
            done(listener, role, "record", since, "could not note the finished session (" + e.getMessage()
                    + "); the record of the key release still refuses a rerun");
        }
    }

    private static long done(StepListener l, Role role, String step, long since, String detail) {
        long now = System.nanoTime();
        l.stepDone(role, step, now - since, detail);
        return now;
    }
}
