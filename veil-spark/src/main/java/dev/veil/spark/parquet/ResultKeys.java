package dev.veil.spark.parquet;

import dev.veil.enclave.broker.BrokerDataKeys;
import dev.veil.enclave.broker.BrokerRefused;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.provider.broker.OwnerDataKeys;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.parquet.crypto.KeyAccessDeniedException;

/**
 * The key service of a batch's results: Parquet's key-encryption keys wrapped by the data provider's broker under one
 * of its master keys (named by {@code veil batch --master-key}), which never leave the broker. An executor wraps
 * through its instance's data-key service (the broker binds the wrapped key to that instance); only the data provider
 * unwraps, through its broker's owner route ({@code veil batch open --broker --identity}), authenticated by its
 * identity key. The broker must know which instance wrapped a key, so the text Parquet keeps is
 * {@code <instance keys digest, 64 hex>/<the broker's wrapped key>}; an altered digest only makes the broker refuse.
 */
public final class ResultKeys implements DataKeyService {
    private static final Pattern TEXT = Pattern.compile("([0-9a-f]{64})/(.+)");
    private final BrokerDataKeys instance;
    private final String instanceDigest;
    private final OwnerDataKeys owner;

    private ResultKeys(BrokerDataKeys instance, String instanceDigest, OwnerDataKeys owner) {
        this.instance = instance;
        this.instanceDigest = instanceDigest;
        this.owner = owner;
    }

    /** For an instance writing results: wraps only, through the data provider's broker. */
    public static ResultKeys writer(BrokerDataKeys dataProviderBroker, String instanceKeysDigestHex) {
        return new ResultKeys(dataProviderBroker, instanceKeysDigestHex, null);
    }

    /** For the data provider opening them through its broker. */
    public static ResultKeys opener(OwnerDataKeys dataProviderBroker) {
        return new ResultKeys(null, null, dataProviderBroker);
    }

    /** The KMS instance URL the results name: a label of the contract, so that it never names the input's service. */
    public static String kmsUrl(String contractHashHex) {
        return "veil-results:" + contractHashHex;
    }

    /**
     * The name job {@code jobId}'s instances write the results by: the contract's label and the job, so that two jobs'
     * instances in one executor JVM neither share Parquet's cached keys nor replace each other's service
     * ({@link DataKeyServices}). The data provider reads under any name: its configuration names the service.
     */
    public static String kmsUrl(String contractHashHex, String jobId) {
        return kmsUrl(contractHashHex) + ":" + jobId;
    }

    @Override
    public String wrap(byte[] key, String masterKeyId) throws KeyAccessDeniedException {
        if (instance == null) {
            throw new KeyAccessDeniedException("only an enclave instance of the batch writes results");
        }
        try {
            return instanceDigest + "/" + instance.wrap(masterKeyId, key);
        } catch (BrokerRefused e) {
            throw new KeyAccessDeniedException("the data provider's broker did not wrap a results key: " + e.getMessage());
        }
    }

    @Override
    public byte[] unwrap(String wrapped, String masterKeyId) throws KeyAccessDeniedException {
        if (owner == null) {
            throw new KeyAccessDeniedException("only the data provider opens the results, through its broker");
        }
        Matcher m = TEXT.matcher(wrapped);
        if (!m.matches()) {
            throw new KeyAccessDeniedException("a results key is not in the form an instance of the batch writes: the results were"
                    + " altered, or are not a Veil batch's");
        }
        try {
            return owner.unwrap(masterKeyId, m.group(2), m.group(1));
        } catch (ProtocolException | IllegalArgumentException e) {
            throw new KeyAccessDeniedException("the data provider's broker did not open a results key: " + e.getMessage());
        } catch (IOException e) {   // the JDK's client says nothing in its connection failures' messages
            throw new KeyAccessDeniedException("the data provider's broker could not be reached to open a results key ("
                    + e.getClass().getSimpleName() + "); check that 'veil broker' listens there");
        }
    }
}
