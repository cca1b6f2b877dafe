package dev.veil.protocol.serving;

import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.Json;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.HpkeExport;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;

/**
 * The data provider's side of a serving request. Call it with instance keys the data provider attested for this
 * contract (fresh nonce, contract hash and instance keys bound in the evidence); the request opens at that instance
 * only, and the data provider's signature binds the contract, those keys and the request's own encapsulation.
 */
public final class ServingClient {
    private ServingClient() {
    }

    public static SealedRequest seal(ServingContractVerifier.Verified contract, InstanceKeys attested, Identity dataProvider,
                                     long rows, byte[] inputsNpz, Instant now) throws ProtocolException {
        return seal(contract, attested, dataProvider, rows, inputsNpz, now, encapsulate(contract, attested));
    }

    /**
     * One request's HPKE encapsulation to {@code attested}, made ahead (it depends on nothing in the request: a client
     * makes the next one off its request path); {@link #seal(ServingContractVerifier.Verified, InstanceKeys, Identity,
     * long, byte[], Instant, Encapsulation)} uses it once.
     */
    public static Encapsulation encapsulate(ServingContractVerifier.Verified contract, InstanceKeys attested) throws ProtocolException {
        if (attested.keyWrapSuite() != contract.contract().keyWrap()) {
            throw new ProtocolException("instance key-wrap suite " + attested.keyWrapSuite().id() + " is not the serving contract's "
                    + contract.contract().keyWrap().id());
        }
        return new Encapsulation(contract.hash(), attested.digest(), HpkeExport.sender(attested.keyWrapSuite(), attested.keyWrapKey(),
                ObliviousEncapsulation.requestInfo(contract.hash())));
    }

    /** An HPKE sender context to one instance for one contract, for one request only. */
    public static final class Encapsulation {
        private final byte[] contractHash;
        private final byte[] instanceKeysDigest;
        private final java.util.concurrent.atomic.AtomicReference<HpkeExport.Sender> sender;

        private Encapsulation(byte[] contractHash, byte[] instanceKeysDigest, HpkeExport.Sender sender) {
            this.contractHash = contractHash;
            this.instanceKeysDigest = instanceKeysDigest;
            this.sender = new java.util.concurrent.atomic.AtomicReference<>(sender);
        }

        /** Whether it was made to {@code keys} for {@code contract}. */
        public boolean isFor(ServingContractVerifier.Verified contract, InstanceKeys keys) {
            return java.security.MessageDigest.isEqual(contractHash, contract.hash())
                    && java.security.MessageDigest.isEqual(instanceKeysDigest, keys.digest());
        }

        /** The sender context, once: a second request never shares a first one's encapsulation. */
        private HpkeExport.Sender take() {
            HpkeExport.Sender s = sender.getAndSet(null);
            if (s == null) {
                throw new IllegalStateException("an encapsulation seals one request only");
            }
            return s;
        }
    }

    /** As {@link #seal(ServingContractVerifier.Verified, InstanceKeys, Identity, long, byte[], Instant)}, in {@code made}. */
    public static SealedRequest seal(ServingContractVerifier.Verified contract, InstanceKeys attested, Identity dataProvider,
                                     long rows, byte[] inputsNpz, Instant now, Encapsulation made) throws ProtocolException {
        if (!made.isFor(contract, attested)) {
            throw new IllegalArgumentException("the encapsulation was made to other instance keys or for another contract");
        }
        contract.budgetFor(dataProvider.publicIdentity());
        int maxRows = contract.contract().limits().maxRowsPerRequest();
        if (rows < 1 || rows > maxRows) {
            throw new ProtocolException("a request carries 1.." + maxRows + " rows under this serving contract, not " + rows
                    + (rows > maxRows ? ": split the input" : ""));
        }
        byte[] contractHash = contract.hash();
        byte[] id = new byte[16];
        new SecureRandom().nextBytes(id);
        ServingRequest header = new ServingRequest(ServingRequest.VERSION, Digests.hex(contractHash), dataProvider.publicIdentity(),
                HexFormat.of().formatHex(id), now.truncatedTo(ChronoUnit.MILLIS).toString(), rows);
        HpkeExport.Sender sender = made.take();
        byte[] enc = sender.enc();
        byte[] headerBytes = Json.canonical(header);
        byte[] signature = dataProvider.sign(RequestMessage.signingMessage(contractHash, attested.digest(), enc, headerBytes, inputsNpz));
        byte[] ciphertext = sender.seal(new byte[0], RequestMessage.encode(headerBytes, inputsNpz, signature));
        byte[] encapsulated = new byte[enc.length + ciphertext.length];
        System.arraycopy(enc, 0, encapsulated, 0, enc.length);
        System.arraycopy(ciphertext, 0, encapsulated, enc.length, ciphertext.length);
        ResponseSecret secret = ResponseSecret.veil(
                sender.export(ObliviousEncapsulation.responseExportContext(), ObliviousEncapsulation.AEAD_KEY_LENGTH), enc);
        return new SealedRequest(encapsulated, header.requestId(), secret);
    }
}
