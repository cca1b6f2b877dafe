package dev.veil.protocol.serving;

import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.HpkeExport;
import dev.veil.protocol.keyrelease.KemKeyPair;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.protocol.translog.Ed25519Check;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;

/**
 * The enclave's side of a serving request: the one place where an encapsulated request becomes an
 * {@link OpenedRequest}. In order: HPKE-open it with the instance key (info binds the contract hash), parse the
 * plaintext strictly, check it names this contract, that the contract lets its data provider query, that the data
 * provider's signature covers this contract, these instance keys and this encapsulation, that its rows fit the
 * per-request limit, that the contract has not expired, and that the replay guard admits it.
 */
public final class ServingGateway {
    private final ServingContractVerifier.Verified contract;
    private final byte[] contractHash;
    private final byte[] instanceKeysDigest;
    private final KemKeyPair instanceKeyWrap;
    private final ReplayGuard replayGuard;

    public ServingGateway(ServingContractVerifier.Verified contract, InstanceKeys instanceKeys, KemKeyPair instanceKeyWrap,
                          ReplayGuard replayGuard) {
        if (instanceKeys.keyWrapSuite() != contract.contract().keyWrap() || instanceKeyWrap.suite() != instanceKeys.keyWrapSuite()
                || !Arrays.equals(instanceKeyWrap.publicKey(), instanceKeys.keyWrapKey())) {
            throw new IllegalArgumentException("the instance's key-wrap key pair must be the one its instance keys publish, "
                    + "in the serving contract's suite " + contract.contract().keyWrap().id());
        }
        this.contract = contract;
        this.contractHash = contract.hash();
        this.instanceKeysDigest = instanceKeys.digest();
        this.instanceKeyWrap = instanceKeyWrap;
        this.replayGuard = replayGuard;
    }

    public OpenedRequest open(byte[] encapsulatedRequest, Instant now) throws RequestRefused {
        return admit(decapsulate(encapsulatedRequest), now);
    }

    /**
     * A request's encapsulation opened with the instance key, nothing in it read yet: what {@link #admit(Decapsulated,
     * Instant)} checks. Its own step so that a server can time opening apart from checking.
     */
    public static final class Decapsulated {
        private final byte[] plaintext;
        private final byte[] enc;
        private final ResponseSecret secret;

        private Decapsulated(byte[] plaintext, byte[] enc, ResponseSecret secret) {
            this.plaintext = plaintext;
            this.enc = enc;
            this.secret = secret;
        }
    }

    /** The first half of {@link #open}: HPKE-opens the request with the instance key, under this contract's info. */
    public Decapsulated decapsulate(byte[] encapsulatedRequest) throws RequestRefused {
        int encLength = HpkeExport.encLength(contract.contract().keyWrap());
        if (encapsulatedRequest.length <= encLength) {
            throw new RequestRefused(FailureCode.PEER_PROTOCOL_ERROR, "encapsulated request is " + encapsulatedRequest.length
                    + " bytes, no longer than its " + encLength + "-byte enc", null);
        }
        byte[] enc = Arrays.copyOf(encapsulatedRequest, encLength);
        byte[] ciphertext = Arrays.copyOfRange(encapsulatedRequest, encLength, encapsulatedRequest.length);
        HpkeExport.Opened opened;
        try {
            opened = HpkeExport.open(instanceKeyWrap, enc, ObliviousEncapsulation.requestInfo(contractHash), new byte[0],
                    ciphertext, ObliviousEncapsulation.responseExportContext(), ObliviousEncapsulation.AEAD_KEY_LENGTH);
        } catch (ProtocolException e) {
            throw new RequestRefused(FailureCode.PEER_PROTOCOL_ERROR, "request does not open with this instance's key under "
                    + "this contract: it was sealed to another instance or contract, or altered", null);
        }
        return new Decapsulated(opened.plaintext(), enc, ResponseSecret.veil(opened.exported(), enc));
    }

    /**
     * The second half of {@link #open}: the request's parsing, contract, data provider, signature, rows, expiry and
     * replay checks, in that order; a refusal from here on is sealed to the request's data provider.
     */
    public OpenedRequest admit(Decapsulated request, Instant now) throws RequestRefused {
        return admit(request.plaintext, request.enc, request.secret, now);
    }

    /** The checks after the encapsulation opened: {@code plaintext} arrived in {@code enc}, answered with {@code secret}. */
    OpenedRequest admit(byte[] plaintext, byte[] enc, ResponseSecret secret, Instant now) throws RequestRefused {
        RequestMessage.Parsed parsed;
        try {
            parsed = RequestMessage.parse(plaintext);
        } catch (ProtocolException e) {
            throw refused(secret, null, FailureCode.PEER_PROTOCOL_ERROR, e.getMessage());
        }
        ServingRequest request = parsed.header();
        String id = request.requestId();
        if (!MessageDigest.isEqual(Digests.hex(contractHash).getBytes(StandardCharsets.US_ASCII),
                request.contractHash().getBytes(StandardCharsets.US_ASCII))) {
            throw refused(secret, id, FailureCode.CONTRACT_REFUSED, "request names serving contract " + request.contractHash()
                    + ", not this instance's " + contract.hashHex());
        }
        ServingBudget budget;
        try {
            budget = contract.budgetFor(request.dataProvider());
        } catch (ProtocolException e) {
            throw refused(secret, id, FailureCode.CONTRACT_REFUSED, e.getMessage());
        }
        byte[] signed = RequestMessage.signingMessage(contractHash, instanceKeysDigest, enc, parsed.headerBytes(), parsed.inputs());
        // BouncyCastle's Ed25519, eight times the JDK's speed on this once-per-request check (Ed25519Check).
        if (!Ed25519Check.verify(request.dataProvider().signingKey(), signed, parsed.signature())) {
            throw refused(secret, id, FailureCode.CONTRACT_REFUSED, "request signature of data provider "
                    + request.dataProvider().fingerprint() + " does not verify for this contract, instance and encapsulation");
        }
        int maxRows = contract.contract().limits().maxRowsPerRequest();
        if (request.rows() > maxRows) {
            throw refused(secret, id, FailureCode.LIMIT_EXCEEDED, "request has " + request.rows()
                    + " rows; the serving contract allows at most " + maxRows + " per request: split it");
        }
        try {
            contract.requireUnexpired(now);
        } catch (ProtocolException e) {
            throw refused(secret, id, FailureCode.CONTRACT_REFUSED, e.getMessage());
        }
        ReplayGuard.Verdict verdict = replayGuard.admit(request.dataProvider().fingerprint(), id, request.createdAtInstant(), now);
        switch (verdict) {
            case ADMITTED -> {
                return new OpenedRequest(request, budget, parsed.inputs(), secret);
            }
            case REPLAYED -> throw refused(secret, id, FailureCode.PEER_PROTOCOL_ERROR,
                    "request " + id + " was answered before: a request is answered once");
            case OUTSIDE_WINDOW -> throw refused(secret, id, FailureCode.PEER_PROTOCOL_ERROR, "request created_at "
                    + request.createdAt() + " is more than " + replayGuard.window().toMinutes()
                    + " minutes from the enclave's clock (" + now + "); check your clock and send a new request");
            case SHARE_FULL -> throw refused(secret, id, FailureCode.LIMIT_EXCEEDED, "data provider "
                    + request.dataProvider().fingerprint() + " holds its share (" + replayGuard.perDataProvider()
                    + ") of the enclave's recent requests; retry in a few minutes");
            default -> throw refused(secret, id, FailureCode.SESSION_UNAVAILABLE,
                    "the enclave holds as many recent requests as it may; retry in a few minutes");
        }
    }

    private static RequestRefused refused(ResponseSecret secret, String requestId, FailureCode code, String detail) {
        String bounded = detail.length() > ServingResponse.MAX_DETAIL_CHARS ? detail.substring(0, ServingResponse.MAX_DETAIL_CHARS) : detail;
        return new RequestRefused(code, bounded, secret.seal(ServingResponse.failed(requestId, code, bounded).encode()));
    }
}
