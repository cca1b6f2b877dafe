package dev.veil.spark.broker;

import dev.veil.attest.Platform;
import dev.veil.enclave.evidence.EvidenceSource;
import dev.veil.enclave.keys.InstanceKeyPairs;
import dev.veil.protocol.binding.EvidenceBinding;
import dev.veil.protocol.broker.BrokerChallenge;
import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.ChallengeRequest;
import dev.veil.protocol.broker.ReleaseAnswer;
import dev.veil.protocol.broker.ReleaseRequest;
import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.AssetKeyWrap;
import dev.veil.protocol.keyrelease.KeyReleaseTranscript;
import dev.veil.protocol.wire.Messages;
import dev.veil.seal.AssetKey;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Optional;

/**
 * An enclave instance's side of a provider's key broker: fetch the broker's nonce, answer it with evidence binding the
 * nonce, the contract and this instance's keys, and check the signed release as the ceremony does — signed by the
 * contract's party for {@code role} (the contract is trusted, never the broker's address), over this very transcript.
 */
public final class BrokerClient {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final URI base;
    private final HttpClient http;

    public BrokerClient(String brokerUrl) {
        this.base = URI.create(brokerUrl.endsWith("/") ? brokerUrl.substring(0, brokerUrl.length() - 1) : brokerUrl);
        this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    }

    public String url() {
        return base.toString();
    }

    /**
     * Attests this instance to the broker of the contract's {@code role} and returns the asset key it released (the
     * model provider's), or empty when the broker admitted the instance without one (the data provider's, which then
     * serves data keys to it).
     */
    public Optional<AssetKey> attest(ContractVerifier.Verified contract, Role role, InstanceKeyPairs keys, EvidenceSource evidence)
            throws IOException, ProtocolException {
        BrokerChallenge challenge = BrokerMessages.challenge(post(BrokerMessages.CHALLENGE, new ChallengeRequest(contract.hashHex())));
        if (!challenge.contractHash().equals(contract.hashHex())) {
            throw new ProtocolException("the " + role.id() + "'s broker answered a challenge for another contract");
        }
        byte[] enclaveNonce = new byte[EvidenceBinding.NONCE_LENGTH];
        RANDOM.nextBytes(enclaveNonce);
        EvidenceSource.Collected collected = evidence.collect(
                EvidenceBinding.reportData(challenge.nonce(), contract.hash(), keys.publicKeys()));
        Platform platform = evidence.platform();
        Messages.EvidenceOffer offer = new Messages.EvidenceOffer(platform, collected.evidence(), collected.collateral(),
                keys.publicKeys(), enclaveNonce);
        ReleaseAnswer answer = BrokerMessages.releaseAnswer(
                post(BrokerMessages.RELEASE, new ReleaseRequest(contract.hashHex(), challenge.nonce(), offer)));
        if (!answer.contractHash().equals(contract.hashHex()) || answer.role() != role
                || !MessageDigest.isEqual(answer.brokerNonce(), challenge.nonce())
                || !MessageDigest.isEqual(answer.enclaveNonce(), enclaveNonce)) {
            throw new ProtocolException("the " + role.id() + "'s broker answered for another contract, role or challenge");
        }
        KeyReleaseTranscript transcript = ReleaseAnswer.transcript(contract.hashHex(), role, challenge.nonce(), enclaveNonce,
                collected.evidence(), keys.publicKeys());
        if (!contract.contract().party(role).verify(ReleaseAnswer.signingMessage(transcript, answer.key()), answer.signature())) {
            throw new ProtocolException("the release is not signed by the contract's " + role.id() + ": refused");
        }
        if (answer.key() == null) {
            return Optional.empty();
        }
        return Optional.of(AssetKeyWrap.unwrap(keys.keyWrap(), transcript.hpkeInfo(), transcript.context(),
                answer.key().sealed(), 0).key());
    }

    /** POSTs a record as canonical JSON and returns the 200 answer's body; anything else is one line of refusal. */
    byte[] post(String route, Object body) throws IOException, ProtocolException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + route)).timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.canonical(body))).build();
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while calling the broker at " + base);
        }
        if (response.statusCode() != 200) {
            throw new ProtocolException("the broker at " + base + " refused " + route + " (HTTP " + response.statusCode() + ")");
        }
        return response.body();
    }
}
