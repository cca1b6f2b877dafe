package dev.veil.provider.serving;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Claims;
import dev.veil.attest.Simulation;
import dev.veil.attest.VerificationOptions;
import dev.veil.protocol.binding.EnclaveAppraisal;
import dev.veil.protocol.binding.EvidenceBinding;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.AssetKeyWrap;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.protocol.keyrelease.KeyReleaseTranscript;
import dev.veil.protocol.receipt.SignedReceipt;
import dev.veil.protocol.serving.ServingContractVerifier;
import dev.veil.protocol.servinghttp.AttestChallenge;
import dev.veil.protocol.servinghttp.ErrorBody;
import dev.veil.protocol.servinghttp.ProvisionRelease;
import dev.veil.protocol.servinghttp.RetireRequest;
import dev.veil.protocol.servinghttp.ServingDiscardReceipt;
import dev.veil.protocol.servinghttp.ServingReceipts;
import dev.veil.protocol.wire.Messages;
import dev.veil.provider.AttestedEnclave;
import dev.veil.provider.SealedAsset;
import dev.veil.provider.TrustedCollateral;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A provider's side of a serving enclave, over HTTP (the JDK's client: no dependency). {@link #attest()} challenges the
 * instance with a fresh nonce and appraises its evidence with the batch providers' code ({@link EnclaveAppraisal}:
 * signatures and chain, the serving contract's reference values, the binding of nonce, H(sc) and instance keys), and
 * reuses that verdict until {@link #REUSE_LIMIT} (or the contract's expiry) passes or the server's answers name other
 * instance keys. Model providers {@link #provision} and {@link #retire}.
 */
public final class ServingClient {
    private static final Logger LOG = LoggerFactory.getLogger(ServingClient.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** How long an appraisal is reused before the instance is challenged again. */
    public static final Duration REUSE_LIMIT = Duration.ofMinutes(10);

    private final URI base;
    private final ServingContractVerifier.Verified contract;
    private final TrustedCollateral ownCollateral;
    private final Clock clock;
    private final HttpClient http;
    private AttestedInstance cached;

    public ServingClient(URI base, ServingContractVerifier.Verified contract) {
        this(base, contract, TrustedCollateral.NONE, Clock.systemUTC());
    }

    /** @param ownCollateral collateral this provider obtains itself, preferred over what the enclave's host sends */
    public ServingClient(URI base, ServingContractVerifier.Verified contract, TrustedCollateral ownCollateral, Clock clock) {
        this.base = base;
        this.contract = contract;
        this.ownCollateral = ownCollateral;
        this.clock = clock;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    public ServingContractVerifier.Verified contract() {
        return contract;
    }

    /** The appraised instance: the cached verdict while it may be reused, else a fresh challenge. */
    public synchronized AttestedInstance attest() throws IOException, ProtocolException, AttestationException, ServingRefused {
        Instant now = clock.instant();
        if (cached != null && now.isBefore(cached.reuseUntil())) {
            return cached;
        }
        return attestFresh();
    }

    /** A fresh challenge and appraisal, whatever is cached. */
    public synchronized AttestedInstance attestFresh() throws IOException, ProtocolException, AttestationException, ServingRefused {
        byte[] nonce = new byte[EvidenceBinding.NONCE_LENGTH];
        RANDOM.nextBytes(nonce);
        HttpResponse<byte[]> r = send(post("/v1/attest", Json.canonical(new AttestChallenge(contract.hashHex(), nonce))));
        Messages.EvidenceOffer offer = Json.parse(r.body(), Messages.EvidenceOffer.class, "the server's evidence");
        if (offer.platform() == null || offer.evidence() == null || offer.instanceKeys() == null || offer.enclaveNonce() == null
                || offer.enclaveNonce().length != EvidenceBinding.NONCE_LENGTH) {
            throw new ProtocolException("the server's evidence message is incomplete");
        }
        Instant now = clock.instant();
        VerificationOptions options = ownCollateral.addTo(new VerificationOptions(now, java.util.List.of(), java.util.List.of()),
                offer.platform(), offer.evidence(), offer.collateral()).withEvidenceCollateral(offer.collateral());
        Claims claims = EnclaveAppraisal.appraise(contract.contract().enclave(), contract.hash(), offer.platform(), offer.evidence(),
                nonce, offer.instanceKeys(), options);
        if (claims.simulated()) {
            LOG.warn(Simulation.ONE_LINE);
        }
        Instant until = now.plus(REUSE_LIMIT);
        if (contract.expiresAt().isBefore(until)) {
            until = contract.expiresAt();
        }
        cached = new AttestedInstance(new AttestedEnclave(claims, offer.instanceKeys(), offer.evidence(), offer.platform()),
                nonce, offer.enclaveNonce(), now, until);
        return cached;
    }

    /**
     * Model provider: attests the instance afresh (its enclave nonce answers one release), releases the model key to
     * the attested instance key and streams the sealed model after it. The key must be the sealed model's.
     */
    public void provision(Identity modelProvider, SealedAsset sealedModel, AssetKey key, Path sealedFile)
            throws IOException, ProtocolException, AttestationException, ServingRefused {
        if (sealedModel.header().contentType() != ContentType.MODEL) {
            throw new ProtocolException("the sealed file is a sealed " + sealedModel.header().contentType().label() + ", not a model");
        }
        if (!MessageDigest.isEqual(sealedModel.header().keyId(), key.id())) {
            throw new ProtocolException("the key has id " + key.idHex() + " but the model was sealed with key id "
                    + sealedModel.header().keyIdHex());
        }
        if (!sealedModel.header().plaintextSha256Hex().equals(contract.contract().model().sha256())) {
            throw new ProtocolException("the sealed model's digest " + sealedModel.header().plaintextSha256Hex()
                    + " is not the serving contract's model " + contract.contract().model().sha256());
        }
        AttestedInstance a = attestFresh();
        KeyReleaseTranscript t = new KeyReleaseTranscript(contract.hash(), Role.MODEL_PROVIDER, a.providerNonce(), a.enclaveNonce(),
                Digests.sha256(a.enclave().evidence()), a.enclave().instanceKeys());
        Hpke.Sealed sealed = AssetKeyWrap.wrap(key, new byte[0], a.enclave().instanceKeys().keyWrapSuite(),
                a.enclave().instanceKeys().keyWrapKey(), t.hpkeInfo(), t.context());
        ProvisionRelease release = new ProvisionRelease(a.providerNonce(), a.enclaveNonce(), sealed.enc(), sealed.ciphertext(),
                modelProvider.sign(t.signingMessage(sealed.enc(), sealed.ciphertext())));
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/provision"))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.concat(HttpRequest.BodyPublishers.ofByteArray(release.bodyPrefix()),
                        HttpRequest.BodyPublishers.ofFile(sealedFile)))
                .build();
        send(request);
    }

    /** The outcome of a retire: the receipt as signed, and its verified payload. */
    public record Retired(SignedReceipt receipt, ServingDiscardReceipt discard) {
    }

    /**
     * Model provider: retires the model of the attested instance, and checks the discard receipt (signed by that
     * instance's key, attested for this contract) before returning it.
     */
    public Retired retire(Identity modelProvider) throws IOException, ProtocolException, AttestationException, ServingRefused {
        AttestedInstance a = attest();
        byte[] nonce = new byte[EvidenceBinding.NONCE_LENGTH];
        RANDOM.nextBytes(nonce);
        byte[] signature = modelProvider.sign(RetireRequest.signingMessage(contract.hash(), a.enclave().instanceKeys(), nonce));
        HttpResponse<byte[]> r = send(post("/v1/retire", Json.canonical(new RetireRequest(contract.hashHex(), nonce, signature))));
        SignedReceipt receipt = Json.parse(r.body(), SignedReceipt.class, "the discard receipt");
        if (!MessageDigest.isEqual(receipt.instanceKeys().digest(), a.enclave().instanceKeys().digest())) {
            throw new ProtocolException("the discard receipt is signed by other instance keys than the instance this client attested");
        }
        return new Retired(receipt, ServingReceipts.verifyDiscard(receipt, contract, clock.instant()));
    }

    private HttpRequest post(String path, byte[] json) {
        return HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json)).build();
    }

    /** Sends, forgets the cached appraisal when the server names other instance keys, and turns a refusal into one. */
    private HttpResponse<byte[]> send(HttpRequest request) throws IOException, ServingRefused {
        HttpResponse<byte[]> r;
        try {
            r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the serving enclave");
        }
        String instance = r.headers().firstValue(ErrorBody.INSTANCE_HEADER).orElse(null);
        synchronized (this) {
            if (cached != null && instance != null && !instance.equals(Digests.hex(cached.enclave().instanceKeys().digest()))) {
                cached = null;   // the instance restarted or another replica answered: appraise it before trusting it
            }
        }
        if (r.statusCode() / 100 != 2) {
            ErrorBody e;
            try {
                e = Json.parse(r.body(), ErrorBody.class, "the server's refusal");
            } catch (ProtocolException bad) {
                e = new ErrorBody("http_" + r.statusCode(), "the server answered HTTP " + r.statusCode());
            }
            long retry = r.headers().firstValue("Retry-After").map(ServingClient::seconds).orElse(0L);
            throw new ServingRefused(r.statusCode(), e.error(), e.message(), retry);
        }
        return r;
    }

    private static long seconds(String header) {
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
