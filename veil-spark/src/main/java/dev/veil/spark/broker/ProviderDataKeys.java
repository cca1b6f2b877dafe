package dev.veil.spark.broker;

import dev.veil.protocol.broker.BrokerMessages;
import dev.veil.protocol.broker.WrapRequest;
import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.Hpke;
import java.io.IOException;
import dev.veil.spark.parquet.DataKeyService;
import org.apache.parquet.crypto.KeyAccessDeniedException;

/**
 * The data provider's own use of its broker while it writes its dataset ({@code veil seal --format parquet}): keys are
 * wrapped under its master key, signed by its identity. The broker's records let only an attested instance unwrap, so
 * this service wraps only: a reader of the files is an enclave instance.
 */
public final class ProviderDataKeys implements DataKeyService {
    private final BrokerClient broker;
    private final Identity provider;
    private final PublicIdentity brokerIdentity;

    /** {@code brokerIdentity}: the identity the broker runs under (the provider's own, as the contract names it). */
    public ProviderDataKeys(BrokerClient broker, Identity provider, PublicIdentity brokerIdentity) {
        this.broker = broker;
        this.provider = provider;
        this.brokerIdentity = brokerIdentity;
    }

    @Override
    public String wrap(byte[] key, String masterKeyId) throws KeyAccessDeniedException {
        try {
            Hpke.Sealed sealed = Hpke.seal(brokerIdentity.keyAgreementSuite(), brokerIdentity.keyAgreementKey(),
                    WrapRequest.hpkeInfo(), WrapRequest.aad(masterKeyId, null), key);
            byte[] signature = provider.sign(WrapRequest.signingMessage(masterKeyId, null, sealed.enc(), sealed.ciphertext()));
            WrapRequest request = new WrapRequest(masterKeyId, null, sealed.enc(), sealed.ciphertext(), signature);
            return BrokerMessages.wrapAnswer(broker.post(BrokerMessages.WRAP, request)).wrappedKey();
        } catch (IOException | ProtocolException e) {
            throw new KeyAccessDeniedException("the broker did not wrap a data key: " + e.getMessage());
        }
    }

    @Override
    public byte[] unwrap(String wrapped, String masterKeyId) throws KeyAccessDeniedException {
        throw new KeyAccessDeniedException("the broker unwraps the data provider's keys only for an attested enclave instance");
    }
}
