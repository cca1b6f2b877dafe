package dev.veil.provider.serving;

import dev.veil.protocol.receipt.FailureCode;
import java.io.IOException;

/**
 * Which failures of one attempt mean "this replica is gone or cannot take the request now", so the request may go to
 * another replica, and which are answers that another replica would give too and must reach the caller.
 */
public final class ReplicaOutage {
    private ReplicaOutage() {
    }

    /**
     * An outage: no connection, a connection refused, reset or closed before the whole answer arrived (an
     * {@link IOException}); a 502 or 504 from a proxy in front of the replica; a 503 (the replica sheds load, has no
     * model yet, or shuts down); an answer from another instance than the one the request was sealed to. Not an outage: every other refusal — a budget spent (429) is the contract speaking, and
     * trying another replica would only spend its budget too — nor the enclave's own sealed {@code timeout}, which says
     * the model ran past the contract's limit and would run as long anywhere. Attestation and protocol failures are not
     * outages either: a replica that cannot prove itself is reported, never skipped quietly — nor is a TLS handshake
     * refused for the server's certificate (an {@link javax.net.ssl.SSLHandshakeException}), which the caller must see.
     * A refusal sealed to the request is judged by its sealed reason alone: an outage only when the instance has no
     * session to serve it or is shutting down. A refusal from another instance than the one the request was sealed to
     * (a restart) is an outage; the provider's own collateral that could not be fetched is not.
     */
    static boolean is(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLHandshakeException) {
                return false;
            }
        }
        if (failure instanceof dev.veil.provider.collateral.FetchedTrustedCollateral.Unavailable) {
            return false;   // the provider's own collateral could not be fetched: an appraisal failure, reported
        }
        if (failure instanceof IOException) {
            return true;
        }
        if (failure instanceof ServingRefused r && r.instanceChanged()) {
            return true;   // another instance answered: a restart, or another replica behind the address
        }
        if (failure instanceof ServingRefused r && r.sealed()) {
            // the instance's own verdict, sealed to the request, decides: its HTTP status came in the clear, and a status
            // rewritten to 503 would otherwise send a budget refusal or a model's failure on to another replica
            // (SealedRefusalRelabelledAsAnOutageAttackTest)
            return FailureCode.SESSION_UNAVAILABLE.id().equals(r.reason()) || FailureCode.ENCLAVE_SHUTDOWN.id().equals(r.reason());
        }
        if (failure instanceof ServingRefused r) {
            return switch (r.status()) {
                case 502, 503 -> true;
                case 504 -> !FailureCode.TIMEOUT.id().equals(r.reason());
                default -> false;
            };
        }
        return false;
    }

    /**
     * What happened to an attempt, for a person: never an exception's class name, and only text the client itself wrote
     * (a refusal's status and reason code, a timeout it measured), not the network's.
     */
    public static String describe(Throwable failure) {
        if (failure instanceof ServingRefused r) {
            return "HTTP " + r.status() + " " + r.reason();
        }
        if (failure instanceof java.net.http.HttpTimeoutException t) {
            return t.getMessage();
        }
        if (failure instanceof java.net.ConnectException) {
            return "connection refused";
        }
        return "connection lost before the answer";
    }
}
