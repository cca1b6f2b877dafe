package dev.veil.protocol.broker;

import dev.veil.protocol.json.Digests;
import dev.veil.protocol.json.MayBeAbsent;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Data provider → its own broker ({@code POST /v1/owner/unwrap}): unwrap {@code wrappedKey}, a data key of the
 * provider's results or dataset, under master key {@code masterKeyId}, for the provider itself. The provider answers a
 * fresh owner challenge ({@code brokerNonce}, from {@code POST /v1/owner/challenge}, usable once) by signing
 * {@link #signingMessage} with its identity key; the broker serves only the contract's data provider, and seals the data
 * key to that identity's key-agreement key ({@link #answerInfo}, this message as aad), signing the answer as it signs an
 * instance's ({@link UnwrapAnswer}). Master keys never leave the broker.
 *
 * @param wrappedBy the keys digest (64 hex) of the instance that wrapped the key (an instance's output key is bound to
 *                  it), or absent for a key the provider wrapped itself
 */
public record OwnerUnwrapRequest(String contractHash, byte[] brokerNonce, String masterKeyId, String wrappedKey,
                                 @MayBeAbsent String wrappedBy, byte[] signature) {
    private static final byte[] PROVIDER = "provider".getBytes(StandardCharsets.US_ASCII);

    public OwnerUnwrapRequest {
        BrokerFields.requireContractHash(contractHash);
        brokerNonce = BrokerFields.requireNonce(brokerNonce, "broker_nonce");
        BrokerFields.requireMasterKeyId(masterKeyId);
        WrappedDataKey.parse(wrappedKey);
        if (wrappedBy != null && !wrappedBy.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("wrapped_by must be an instance keys digest, 64 lowercase hex digits");
        }
        signature = BrokerFields.require(signature, "signature");
    }

    public static byte[] signingMessage(String contractHash, byte[] brokerNonce, String masterKeyId, String wrappedKey,
                                        String wrappedBy) {
        return Digests.labelled256("veil broker owner unwrap v1", HexFormat.of().parseHex(contractHash), brokerNonce,
                masterKeyId.getBytes(StandardCharsets.US_ASCII), wrappedKey.getBytes(StandardCharsets.US_ASCII),
                wrappedBy == null ? PROVIDER : HexFormat.of().parseHex(wrappedBy));
    }

    public byte[] signingMessage() {
        return signingMessage(contractHash, brokerNonce, masterKeyId, wrappedKey, wrappedBy);
    }

    /** HPKE info of the answer: another label than an instance's, so neither answer opens as the other. */
    public static byte[] answerInfo() {
        return Digests.labelled256("veil broker owner unwrap answer v1");
    }

    @Override
    public byte[] brokerNonce() {
        return brokerNonce.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }
}
