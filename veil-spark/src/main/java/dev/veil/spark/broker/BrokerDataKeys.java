package dev.veil.spark.broker;

import dev.veil.enclave.keys.InstanceKeyPairs;
import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.CallerInstance;
import dev.veil.protocol.broker.UnwrapAnswer;
import dev.veil.protocol.broker.UnwrapRequest;
import dev.veil.protocol.broker.WrapRequest;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.Hpke;
import dev.veil.spark.parquet.DataKeyService;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.Signature;
import org.apache.parquet.crypto.KeyAccessDeniedException;

/**
 * The data provider's broker as Parquet's key service for one attested instance: a key to wrap goes HPKE-sealed to
 * the broker's identity (so only the broker reads it), an unwrapped key comes back HPKE-sealed to this instance's
 * key-wrap key; each request is signed by the instance's signing key, which the broker released to.
 */
public final class BrokerDataKeys implements DataKeyService {
    private final BrokerClient broker;
    private final PublicIdentity brokerIdentity;
    private final CallerInstance caller;
    private final InstanceKeyPairs keys;

    /** {@code brokerIdentity}: the contract's data provider, whose identity the broker runs under. */
    public BrokerDataKeys(BrokerClient broker, PublicIdentity brokerIdentity, String contractHash, InstanceKeyPairs keys) {
        this.broker = broker;
        this.brokerIdentity = brokerIdentity;
        this.caller = new CallerInstance(contractHash, keys.publicKeys());
        this.keys = keys;
    }

    @Override
    public String wrap(byte[] key, String masterKeyId) throws KeyAccessDeniedException {
        try {
            Hpke.Sealed sealed = Hpke.seal(brokerIdentity.keyAgreementSuite(), brokerIdentity.keyAgreementKey(),
                    WrapRequest.hpkeInfo(), WrapRequest.aad(masterKeyId, caller), key);
            byte[] signature = sign(WrapRequest.signingMessage(masterKeyId, caller, sealed.enc(), sealed.ciphertext()));
            WrapRequest request = new WrapRequest(masterKeyId, caller, sealed.enc(), sealed.ciphertext(), signature);
            return BrokerMessages.wrapAnswer(broker.post(BrokerMessages.WRAP, request)).wrappedKey();
        } catch (IOException | ProtocolException e) {
            throw new KeyAccessDeniedException("the data provider's broker did not wrap a data key: " + e.getMessage());
        }
    }

    @Override
    public byte[] unwrap(String wrapped, String masterKeyId) throws KeyAccessDeniedException {
        try {
            byte[] message = UnwrapRequest.signingMessage(masterKeyId, wrapped, caller);
            UnwrapRequest request = new UnwrapRequest(masterKeyId, wrapped, caller, sign(message));
            UnwrapAnswer answer = BrokerMessages.unwrapAnswer(broker.post(BrokerMessages.UNWRAP, request));
            return Hpke.open(keys.keyWrap(), UnwrapRequest.answerInfo(), message, answer.sealed());
        } catch (IOException | ProtocolException | IllegalArgumentException e) {
            throw new KeyAccessDeniedException("the data provider's broker did not unwrap a data key: " + e.getMessage());
        }
    }

    private byte[] sign(byte[] message) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(keys.signingKey());
            s.update(message);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }
}
