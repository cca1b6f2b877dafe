package dev.veil.provider.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.veil.attest.AttestationException;
import dev.veil.protocol.json.ProtocolException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpTimeoutException;
import org.junit.jupiter.api.Test;

/** Which failures send a request on to another replica (ReplicatedServingClient's failover). */
class ReplicaOutageTest {
    @Test
    void aGoneReplicaIsAnOutage() {
        assertThat(ReplicaOutage.is(new ConnectException("Connection refused"))).isTrue();
        assertThat(ReplicaOutage.is(new IOException("Connection reset"))).isTrue();
        assertThat(ReplicaOutage.is(new HttpTimeoutException("no answer within 60 s"))).isTrue();
        assertThat(ReplicaOutage.is(new ServingRefused(502, "http_502", "bad gateway", 0))).isTrue();
        assertThat(ReplicaOutage.is(new ServingRefused(503, "overloaded", "busy", 1))).isTrue();
        assertThat(ReplicaOutage.is(new ServingRefused(503, "session_unavailable", "no model yet", 0))).isTrue();
        assertThat(ReplicaOutage.is(new ServingRefused(504, "http_504", "gateway timeout", 0))).isTrue();
    }

    /** The enclave ran the model past the contract's limit: another replica would run it as long. */
    @Test
    void anEnclavesOwnModelTimeoutIsNotFailedOver() {
        assertThat(ReplicaOutage.is(new ServingRefused(504, "timeout", "the model run passed the contract's time limit", 0))).isFalse();
    }

    /** The contract's answers, and failures of proof, reach the caller: another replica must not be tried for them. */
    @Test
    void refusalsAndFailuresOfProofAreNotOutages() {
        assertThat(ReplicaOutage.is(new ServingRefused(429, "limit_exceeded", "budget spent", 0))).isFalse();
        assertThat(ReplicaOutage.is(new ServingRefused(403, "contract_refused", "not listed", 0))).isFalse();
        assertThat(ReplicaOutage.is(new ServingRefused(422, "dataset_invalid", "wrong shape", 0))).isFalse();
        assertThat(ReplicaOutage.is(new ServingRefused(500, "internal_error", "failed", 0))).isFalse();
        assertThat(ReplicaOutage.is(new AttestationException("debug", "true", "false"))).isFalse();
        assertThat(ReplicaOutage.is(new ProtocolException("bad answer"))).isFalse();
    }

    /**
     * A sealed refusal is judged by its sealed reason, whatever status came with it in the clear; a refusal from another
     * instance than the one the request was sealed to (a restart) is an outage; the provider's own collateral that could
     * not be fetched is an appraisal failure, reported.
     */
    @Test
    void sealedReasonsAnotherInstanceAndOwnCollateral() {
        assertThat(ReplicaOutage.is(new ServingRefused(503, "limit_exceeded", "budget spent", 0, true))).isFalse();
        assertThat(ReplicaOutage.is(new ServingRefused(503, "enclave_shutdown", "shutting down", 0, true))).isTrue();
        assertThat(ReplicaOutage.is(new ServingRefused(503, "session_unavailable", "replay guard full", 0, true))).isTrue();
        assertThat(ReplicaOutage.is(new ServingRefused(400, "peer_protocol_error", "does not open", 0).fromAnotherInstance())).isTrue();
        assertThat(ReplicaOutage.is(new ServingRefused(400, "peer_protocol_error", "does not open", 0))).isFalse();
        assertThat(ReplicaOutage.is(new dev.veil.provider.collateral.FetchedTrustedCollateral.Unavailable("PCS answered 404"))).isFalse();
    }

    /** What a person reads about a failed attempt: what happened, in words, never an exception's class name. */
    @Test
    void failuresAreDescribedInWordsNotClassNames() {
        assertThat(ReplicaOutage.describe(new java.net.ConnectException("Connection refused"))).isEqualTo("connection refused");
        assertThat(ReplicaOutage.describe(new HttpTimeoutException("no answer within 60 s"))).isEqualTo("no answer within 60 s");
        assertThat(ReplicaOutage.describe(new java.io.EOFException())).isEqualTo("connection lost before the answer");
        assertThat(ReplicaOutage.describe(new ServingRefused(503, "overloaded", "busy", 1))).isEqualTo("HTTP 503 overloaded");
    }
}
