package dev.veil.provider.serving;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Claims;
import dev.veil.attest.Simulation;
import dev.veil.attest.VerificationOptions;
import dev.veil.protocol.serving.ServingAppraisal;
import dev.veil.protocol.binding.EvidenceBinding;
import dev.veil.protocol.binding.InstanceKeys;
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
import dev.veil.protocol.servinghttp.BoundedAnswer;
import dev.veil.protocol.servinghttp.ErrorBody;
import dev.veil.protocol.servinghttp.ProvisionRelease;
import dev.veil.protocol.servinghttp.RetireRequest;
import dev.veil.protocol.servinghttp.ServingDiscardReceipt;
import dev.veil.protocol.servinghttp.ServingReceipts;
import dev.veil.protocol.servinghttp.UploadAuthorization;
import dev.veil.protocol.wire.Messages;
import dev.veil.provider.AttestedEnclave;
import dev.veil.provider.SealedAsset;
import dev.veil.provider.TrustedCollateral;
import dev.veil.provider.replay.ProvisionedInstances;
import dev.veil.seal.AssetKey;
import dev.veil.seal.ContentType;
import dev.veil.protocol.serving.SealedRequest;
import dev.veil.protocol.serving.ServingResponse;
import dev.veil.protocol.servinghttp.InferenceReceipt;
import dev.veil.protocol.servinghttp.LogReceipt;
import dev.veil.protocol.translog.ConsistencyProof;
import dev.veil.protocol.translog.LogVerifier;
import dev.veil.protocol.translog.SignedTreeHead;
import dev.veil.protocol.translog.TreeHead;
import dev.veil.tensor.NamedTensors;
import dev.veil.tensor.TensorFormatException;
import dev.veil.tensor.npz.Npz;
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
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A provider's side of a serving enclave, over HTTP (the JDK's client: no dependency). {@link #attest()} challenges the
 * instance with a fresh nonce and appraises its evidence as the batch providers do ({@link ServingAppraisal}, the batch
 * {@code EnclaveAppraisal}'s twin for a serving contract:
 * signatures and chain, the serving contract's reference values, the binding of nonce, H(sc) and instance keys), and
 * reuses that verdict until {@link #REUSE_LIMIT} (or the contract's expiry) passes or the server's answers name other
 * instance keys. Model providers {@link #provision} and {@link #retire}.
 */
public final class ServingClient {
    private static final Logger LOG = LoggerFactory.getLogger(ServingClient.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** How long an appraisal is reused before the instance is challenged again. */
    public static final Duration REUSE_LIMIT = Duration.ofMinutes(10);
    /** An evidence message: it must fit in the release that carries it back ({@link ProvisionRelease#MAX_JSON_BYTES}). */
    static final long MAX_EVIDENCE_ANSWER_BYTES = ProvisionRelease.MAX_JSON_BYTES;
    /** A discard receipt: a payload and the instance's evidence and collateral. */
    static final long MAX_RECEIPT_ANSWER_BYTES = 2L * ProvisionRelease.MAX_JSON_BYTES;
    /** A sealed answer: the outputs of one request (a request's inputs are bounded to a quarter of this inflated). */
    static final long MAX_INFER_ANSWER_BYTES = 4 * dev.veil.protocol.servinghttp.RequestBounds.MAX_INPUT_BYTES;
    /** A log head, a consistency proof, a provisioning's acknowledgement. */
    static final long MAX_SMALL_ANSWER_BYTES = 64 * 1024;
    /** A refusal: an error body, or a sealed failure (its detail is at most a thousand characters). */
    static final long MAX_REFUSAL_BYTES = 64 * 1024;
    /** An attestation, a log read: the platform makes evidence in seconds. */
    static final Duration QUICK_ANSWER = Duration.ofMinutes(2);
    /** A model upload: its sending (the server allows ten minutes by default) and its loading. */
    static final Duration PROVISION_ANSWER = Duration.ofMinutes(30);

    private final URI base;
    private final ServingContractVerifier.Verified contract;
    private final TrustedCollateral ownCollateral;
    private final Clock clock;
    private final HttpClient http;
    private AttestedInstance cached;
    /** The next request's encapsulation, made ahead on another core ({@link #encapsulation}). */
    private final java.util.concurrent.atomic.AtomicReference<java.util.concurrent.FutureTask<
            dev.veil.protocol.serving.ServingClient.Encapsulation>> nextEncapsulation = new java.util.concurrent.atomic.AtomicReference<>();

    public ServingClient(URI base, ServingContractVerifier.Verified contract) {
        this(base, contract, TrustedCollateral.NONE, Clock.systemUTC());
    }

    /** @param ownCollateral collateral this provider obtains itself, preferred over what the enclave's host sends */
    public ServingClient(URI base, ServingContractVerifier.Verified contract, TrustedCollateral ownCollateral, Clock clock) {
        this(base, contract, ownCollateral, clock, null);
    }

    /**
     * @param tls for an {@code https://} base: whom to trust for the server's certificate ({@link TlsTrust#trusting});
     *            null for the JDK's default trust store. Confidentiality never depends on it: requests and answers are
     *            sealed to the attested instance whatever the transport.
     */
    public ServingClient(URI base, ServingContractVerifier.Verified contract, TrustedCollateral ownCollateral, Clock clock,
                         SSLContext tls) {
        this.base = base;
        this.contract = contract;
        this.ownCollateral = ownCollateral;
        this.clock = clock;
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10));
        if (tls != null) {
            b.sslContext(tls);
        }
        this.http = b.build();
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
        HttpResponse<byte[]> r = send(post("/v1/attest", Json.canonical(new AttestChallenge(contract.hashHex(), nonce))),
                MAX_EVIDENCE_ANSWER_BYTES, QUICK_ANSWER);
        Messages.EvidenceOffer offer = Json.parse(r.body(), Messages.EvidenceOffer.class, "the server's evidence");
        if (offer.platform() == null || offer.evidence() == null || offer.instanceKeys() == null || offer.enclaveNonce() == null
                || offer.enclaveNonce().length != ProvisionRelease.ENCLAVE_NONCE_LENGTH) {
            throw new ProtocolException("the server's evidence message is incomplete");
        }
        Instant now = clock.instant();
        VerificationOptions options = ownCollateral.addTo(new VerificationOptions(now, java.util.List.of(), java.util.List.of()),
                offer.platform(), offer.evidence(), offer.collateral()).withEvidenceCollateral(offer.collateral());
        Claims claims = ServingAppraisal.appraise(contract, offer.platform(), offer.evidence(),
                nonce, offer.instanceKeys(), options);
        if (claims.simulated()) {
            LOG.warn(Simulation.ONE_LINE);
        }
        Instant until = now.plus(REUSE_LIMIT);
        if (contract.expiresAt().isBefore(until)) {
            until = contract.expiresAt();
        }
        cached = new AttestedInstance(new AttestedEnclave(claims, offer.instanceKeys(), offer.evidence(), offer.platform()),
                offer.collateral(), nonce, offer.enclaveNonce(), now, until);
        return cached;
    }

    /**
     * Model provider: attests the instance afresh (its enclave nonce answers one release), records the attested instance
     * in {@code instances}, which refuses it when the contract's {@code max_instances} other instances already got the
     * model key (each instance answers its share of every budget, so more instances would give data providers more than
     * the contract's budgets), then releases the model key to the attested instance key, with the evidence it appraised,
     * and streams the sealed model after it. The key must be the sealed model's.
     */
    public void provision(Identity modelProvider, SealedAsset sealedModel, AssetKey key, Path sealedFile, ProvisionedInstances instances)
            throws IOException, ProtocolException, AttestationException, ServingRefused {
        if (instances == null) {
            throw new IllegalArgumentException("provisioning needs the record of instances given the model key (ProvisionedInstances); "
                    + "a caller that keeps that count itself calls provisionUncounted");
        }
        provisionTo(modelProvider, sealedModel, key, sealedFile, instances);
    }

    /**
     * As {@link #provision(Identity, SealedAsset, AssetKey, Path, ProvisionedInstances)} without counting the instance
     * against {@code max_instances}: for a caller that keeps that count itself (as a key broker does) or a test. Every
     * instance it provisions answers its share of every data provider's budget again.
     */
    public void provisionUncounted(Identity modelProvider, SealedAsset sealedModel, AssetKey key, Path sealedFile)
            throws IOException, ProtocolException, AttestationException, ServingRefused {
        provisionTo(modelProvider, sealedModel, key, sealedFile, null);
    }

    private void provisionTo(Identity modelProvider, SealedAsset sealedModel, AssetKey key, Path sealedFile, ProvisionedInstances instances)
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
        requireTakesAModel();
        AttestedInstance a = attestFresh();
        if (instances != null) {
            instances.beforeRelease(contract.hash(), a.enclave().instanceKeys().digest(), contract.contract().instanceLimit());
        }
        KeyReleaseTranscript t = new KeyReleaseTranscript(contract.hash(), Role.MODEL_PROVIDER, a.providerNonce(), a.enclaveNonce(),
                Digests.sha256(a.enclave().evidence()), a.enclave().instanceKeys());
        Hpke.Sealed sealed = AssetKeyWrap.wrap(key, new byte[0], a.enclave().instanceKeys().keyWrapSuite(),
                a.enclave().instanceKeys().keyWrapKey(), t.hpkeInfo(), t.context());
        ProvisionRelease release = new ProvisionRelease(a.providerNonce(), a.enclaveNonce(), a.enclave().evidence(), a.collateral(),
                sealed.enc(), sealed.ciphertext(),
                modelProvider.sign(t.signingMessage(sealed.enc(), sealed.ciphertext())));
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/provision"))
                .header("Content-Type", "application/octet-stream")
                .header(UploadAuthorization.HEADER, UploadAuthorization.sign(modelProvider, contract.hash(),
                        a.enclave().instanceKeys(), a.enclaveNonce()).headerValue())
                .POST(HttpRequest.BodyPublishers.concat(HttpRequest.BodyPublishers.ofByteArray(release.bodyPrefix()),
                        HttpRequest.BodyPublishers.ofFile(sealedFile)))
                .build();
        send(request, MAX_SMALL_ANSWER_BYTES, PROVISION_ANSWER);
    }

    /** What {@code /healthz} says of a serving instance: its model's state (empty, loading, serving, retired). */
    record InstanceHealth(String status, String model) {
    }

    /**
     * Before a gigabyte goes out: an instance that says it takes no model (already serving, or retired) refuses the upload
     * at its headers and hangs up, which a client still sending its body may see only as a reset connection. The answer
     * is the host's and only saves a useless upload; the instance itself refuses whatever this says.
     */
    private void requireTakesAModel() throws IOException, ProtocolException, ServingRefused {
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(base.resolve("/healthz")).GET().build(), MAX_SMALL_ANSWER_BYTES,
                QUICK_ANSWER);
        String model = Json.parse(r.body(), InstanceHealth.class, "the serving instance's health").model();
        if ("serving".equals(model) || "retired".equals(model)) {
            throw new ServingRefused(409, "session_unavailable", "this instance is " + model
                    + " and takes no model; a model provider provisions an instance once (restart it for a new one)", 0);
        }
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
        HttpResponse<byte[]> r = send(post("/v1/retire", Json.canonical(new RetireRequest(contract.hashHex(), nonce, signature))),
                MAX_RECEIPT_ANSWER_BYTES, modelRun().plus(QUICK_ANSWER));   // a retire waits for the runs under way
        SignedReceipt receipt = Json.parse(r.body(), SignedReceipt.class, "the discard receipt");
        if (!MessageDigest.isEqual(receipt.instanceKeys().digest(), a.enclave().instanceKeys().digest())) {
            throw new ProtocolException("the discard receipt is signed by other instance keys than the instance this client attested");
        }
        return new Retired(receipt, ServingReceipts.verifyDiscard(receipt, contract, clock.instant()));
    }

    /** A data provider's answer: the outputs as {@code .npz}, the receipt for them, and the tree head it is in. */
    public record Inference(byte[] outputsNpz, InferenceReceipt receipt, TreeHead head) {
    }

    /**
     * Data provider: seals {@code inputsNpz} (one array per model input, rows first) to the attested instance, signed
     * by {@code dataProvider}, and opens the answer, which only this request's context opens. Before returning, the
     * log receipt is checked: its leaf is in a tree head the attested instance key signed for this contract, and the
     * leaf commits to these inputs, these outputs and this data provider. The request is sent once: if the instance
     * changed since it was attested (a restart), the refusal says so and the next request attests it again.
     */
    public Inference infer(Identity dataProvider, byte[] inputsNpz)
            throws IOException, ProtocolException, AttestationException, ServingRefused {
        long rows = rows(inputsNpz);
        java.util.concurrent.FutureTask<byte[]> inputsHash = OffThread.start(() -> Digests.sha256(inputsNpz));   // while it travels
        AttestedInstance a = attest();
        SealedRequest request = dev.veil.protocol.serving.ServingClient.seal(contract, a.enclave().instanceKeys(), dataProvider,
                rows, inputsNpz, clock.instant(), encapsulation(a));
        HttpResponse<byte[]> r = exchange(HttpRequest.newBuilder(base.resolve("/v1/infer"))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(request.encapsulated())).build(),
                MAX_INFER_ANSWER_BYTES, modelRun().plus(FailoverPolicy.MARGIN).plus(FailoverPolicy.MARGIN));
        boolean sealedAnswer = r.headers().firstValue("Content-Type").orElse("").startsWith("application/octet-stream");
        if (!sealedAnswer) {
            // never sent again from here, whatever the answer says: an unsealed answer is not authenticated, and
            // other instance keys now at this address (a restart, or another replica behind one load balancer) do
            // not show that the instance it was sealed to never ran it (OneRequestRunTwiceBehindOneAddressAttackTest).
            // The cached appraisal went if the answer named other keys (exchange): the next request is sealed to
            // the instance appraised then. Marked so, a ReplicatedServingClient takes it as an outage and sends the
            // request, sealed anew, to the next replica, as after a lost answer (ReplicaOutage)
            ServingRefused refused = refusal(r);
            String answeredBy = r.headers().firstValue(ErrorBody.INSTANCE_HEADER).orElse(null);
            if (answeredBy != null && !answeredBy.equals(Digests.hex(a.enclave().instanceKeys().digest()))) {
                throw refused.fromAnotherInstance();
            }
            throw refused;
        }
        ServingResponse answer = request.openResponse(r.body());
        if (!answer.isOk()) {
            throw new ServingRefused(r.statusCode(), answer.failure().id(), answer.detail(), retryAfter(r), true);
        }
        LogReceipt log = Json.parse(answer.receipt(), LogReceipt.class, "the answer's log receipt");
        byte[] outputs = answer.output();
        // Once, and on another core while the tree head's signature and the inclusion proof are checked here:
        // hashing MiniLM's 1.5 MB answer is most of the receipt check's cost.
        java.util.concurrent.FutureTask<byte[]> outputsHash = OffThread.start(() -> Digests.sha256(outputs));
        TreeHead head = LogVerifier.verifyInclusion(log.log(), a.enclave().instanceKeys(), contract.hash());
        byte[] inputsSha256 = OffThread.join(inputsHash);
        byte[] outputsSha256 = OffThread.join(outputsHash);
        LogVerifier.verifyOpening(log.log().leaf(), log.salts(), inputsSha256, outputsSha256, dataProvider.publicIdentity());
        InferenceReceipt receipt = new InferenceReceipt(InferenceReceipt.KIND, contract.hashHex(), log,
                Digests.hex(inputsSha256), Digests.hex(outputsSha256), dataProvider.publicIdentity(),
                a.enclave().platform(), a.enclave().evidence(), a.collateral(),
                a.providerNonce(), a.enclave().instanceKeys());
        return new Inference(outputs, receipt, head);
    }

    /**
     * An HPKE encapsulation to {@code a}'s instance key for this request: the one made ahead if it is to these keys
     * (else one made now), and the next one started on another core, off the next request's path.
     */
    private dev.veil.protocol.serving.ServingClient.Encapsulation encapsulation(AttestedInstance a) throws ProtocolException {
        java.util.concurrent.FutureTask<dev.veil.protocol.serving.ServingClient.Encapsulation> made = nextEncapsulation.getAndSet(null);
        InstanceKeys keys = a.enclave().instanceKeys();
        nextEncapsulation.compareAndSet(null, OffThread.start(() -> dev.veil.protocol.serving.ServingClient.encapsulate(contract, keys)));
        if (made != null) {
            try {
                dev.veil.protocol.serving.ServingClient.Encapsulation e = OffThread.join(made);
                if (e.isFor(contract, keys)) {
                    return e;
                }
            } catch (RuntimeException failed) {
                // made for keys that turned out malformed: made again below, where the failure is reported
            }
        }
        return dev.veil.protocol.serving.ServingClient.encapsulate(contract, keys);
    }

    /** The rows of a request: the first dimension its inputs share. */
    private static long rows(byte[] inputsNpz) throws ProtocolException {
        NamedTensors t;
        try {
            t = Npz.read(inputsNpz, dev.veil.protocol.servinghttp.RequestBounds.MAX_INPUT_BYTES);
        } catch (TensorFormatException e) {
            throw new ProtocolException("inputs: " + e.getMessage());
        }
        try {
            if (t.size() == 0 || t.tensors().get(0).rank() == 0) {
                throw new ProtocolException("inputs: the .npz must hold one array per model input, rows first");
            }
            long rows = t.tensors().get(0).dim(0);
            for (var x : t.tensors()) {
                if (x.rank() == 0 || x.dim(0) != rows) {
                    throw new ProtocolException("inputs: every array must have the same number of rows (its first dimension)");
                }
            }
            return rows;
        } finally {
            t.wipe();
        }
    }

    /** What an audit found: the instance's current signed head, verified, and whether it extends the previous one. */
    public record Audit(SignedTreeHead signed, TreeHead head) {
    }

    /**
     * Model provider (or anyone holding the contract): the log's current head, signed by the attested instance key
     * for this contract; with {@code previous} (a head audited before, from this instance), also the proof that the
     * log of then is a prefix of the log of now: it neither forked nor shrank.
     */
    public Audit audit(SignedTreeHead previous) throws IOException, ProtocolException, AttestationException, ServingRefused {
        AttestedInstance a = attest();
        SignedTreeHead now = Json.parse(send(HttpRequest.newBuilder(base.resolve("/v1/log/head")).GET().build(),
                MAX_SMALL_ANSWER_BYTES, QUICK_ANSWER).body(),
                SignedTreeHead.class, "the log head");
        TreeHead head = LogVerifier.verifyHead(now, a.enclave().instanceKeys(), contract.hash());
        if (previous != null) {
            long from = previous.head().treeSize();
            ConsistencyProof proof = Json.parse(send(HttpRequest.newBuilder(base.resolve("/v1/log/consistency?from=" + from
                    + "&to=" + head.treeSize())).GET().build(), MAX_SMALL_ANSWER_BYTES, QUICK_ANSWER).body(), ConsistencyProof.class,
                    "the consistency proof");
            LogVerifier.verifyConsistency(previous, now, proof, a.enclave().instanceKeys(), contract.hash());
        }
        return new Audit(now, head);
    }

    private HttpRequest post(String path, byte[] json) {
        return HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json)).build();
    }

    /** How long the contract lets the model run for one request. */
    private Duration modelRun() {
        return Duration.ofSeconds(contract.contract().limits().maxInferenceSeconds());
    }

    /**
     * Sends, reads an answer of at most {@code maxAnswer} bytes (hanging up past it) within {@code within} in all, and
     * forgets the cached appraisal when the server names other instance keys than the cached ones.
     */
    private HttpResponse<byte[]> exchange(HttpRequest request, long maxAnswer, Duration within) throws IOException, ProtocolException {
        HttpResponse<byte[]> r;
        try {
            r = BoundedAnswer.exchange(http, request, maxAnswer, Math.min(maxAnswer, MAX_REFUSAL_BYTES), within);
        } catch (BoundedAnswer.TooLarge t) {
            throw new ProtocolException("the serving enclave at " + base + " answered " + request.uri().getPath()
                    + " with more than " + t.max() + " bytes; no honest server does: the client hung up");
        }
        String instance = r.headers().firstValue(ErrorBody.INSTANCE_HEADER).orElse(null);
        synchronized (this) {
            if (cached != null && instance != null && !instance.equals(Digests.hex(cached.enclave().instanceKeys().digest()))) {
                cached = null;   // the instance restarted or another replica answered: appraise it before trusting it
            }
        }
        return r;
    }

    /** {@link #exchange}, a refusal turned into {@link ServingRefused}. */
    private HttpResponse<byte[]> send(HttpRequest request, long maxAnswer, Duration within)
            throws IOException, ProtocolException, ServingRefused {
        HttpResponse<byte[]> r = exchange(request, maxAnswer, within);
        if (r.statusCode() / 100 != 2) {
            throw refusal(r);
        }
        return r;
    }

    private static ServingRefused refusal(HttpResponse<byte[]> r) {
        ErrorBody e;
        try {
            e = Json.parse(r.body(), ErrorBody.class, "the server's refusal");
        } catch (ProtocolException bad) {
            e = new ErrorBody("http_" + r.statusCode(), "the server answered HTTP " + r.statusCode());
        }
        return new ServingRefused(r.statusCode(), e.error(), e.message(), retryAfter(r));
    }

    private static long retryAfter(HttpResponse<byte[]> r) {
        return r.headers().firstValue("Retry-After").map(ServingClient::seconds).orElse(0L);
    }

    private static long seconds(String header) {
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
