package dev.veil.spark.parquet;

import dev.veil.protocol.identity.Identity;
import dev.veil.protocol.identity.PublicIdentity;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.protocol.keyrelease.Hpke;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.parquet.crypto.KeyAccessDeniedException;

/**
 * The key service of the results: Parquet's key-encryption keys HPKE-sealed to the data provider's identity as the
 * contract names it, so an instance can write results and only the holder of the data provider's identity file can
 * open them ({@code veil batch open --identity}), without any broker. The master key's name is bound as aad.
 * Wrapped form: base64 of a 2-byte encapsulation length, the encapsulation and the ciphertext.
 */
public final class ResultKeys implements DataKeyService {
    /** The name Parquet records as the results' master key: a label, the key is the data provider's identity. */
    public static final String MASTER_KEY = "veil-results";
    private static final byte[] INFO = "veil batch results key v1".getBytes(StandardCharsets.US_ASCII);
    private final PublicIdentity dataProvider;
    private final Identity opener;

    private ResultKeys(PublicIdentity dataProvider, Identity opener) {
        this.dataProvider = dataProvider;
        this.opener = opener;
    }

    /** For an instance writing results: wraps only. */
    public static ResultKeys writer(PublicIdentity dataProvider) {
        return new ResultKeys(dataProvider, null);
    }

    /** For the data provider opening them. */
    public static ResultKeys opener(Identity dataProvider) {
        return new ResultKeys(dataProvider.publicIdentity(), dataProvider);
    }

    /** The KMS instance URL the results name: a label of the contract, no address. */
    public static String kmsUrl(String contractHashHex) {
        return "veil-results:" + contractHashHex;
    }

    @Override
    public String wrap(byte[] key, String masterKeyId) throws KeyAccessDeniedException {
        try {
            Hpke.Sealed s = Hpke.seal(dataProvider.keyAgreementSuite(), dataProvider.keyAgreementKey(), INFO,
                    masterKeyId.getBytes(StandardCharsets.UTF_8), key);
            return Base64.getEncoder().encodeToString(ByteBuffer.allocate(2 + s.enc().length + s.ciphertext().length)
                    .putShort((short) s.enc().length).put(s.enc()).put(s.ciphertext()).array());
        } catch (ProtocolException e) {
            throw new KeyAccessDeniedException("a results key could not be sealed to the data provider: " + e.getMessage());
        }
    }

    @Override
    public byte[] unwrap(String wrapped, String masterKeyId) throws KeyAccessDeniedException {
        if (opener == null) {
            throw new KeyAccessDeniedException("only the data provider's identity opens the results");
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(Base64.getDecoder().decode(wrapped));
            byte[] enc = new byte[Short.toUnsignedInt(b.getShort())];
            b.get(enc);
            byte[] ct = new byte[b.remaining()];
            b.get(ct);
            return Hpke.open(opener.keyAgreement(), INFO, masterKeyId.getBytes(StandardCharsets.UTF_8), new Hpke.Sealed(enc, ct));
        } catch (ProtocolException | RuntimeException e) {
            throw new KeyAccessDeniedException("a results key does not open with this identity: the results are another data"
                    + " provider's, or were altered");
        }
    }
}
