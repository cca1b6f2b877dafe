package dev.veil.protocol.wire;

import dev.veil.protocol.contract.Role;
import dev.veil.protocol.json.Digests;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;

/**
 * The attested instance key's Ed25519 signature over a {@link Messages.Failure}: the contract, the provider it is for,
 * the code, the reason and the sealed detail. The detail is sealed to the provider's public key, which anyone can do;
 * the signature is what shows the enclave wrote it, as the instance key's signature does for receipts.
 */
public final class FailureSignature {
    private FailureSignature() {
    }

    /** The bytes the instance key signs. */
    public static byte[] signingMessage(byte[] contractHash, Role recipient, Messages.Failure f) {
        return Digests.labelled256("veil failure v1", contractHash, recipient.id().getBytes(StandardCharsets.US_ASCII),
                f.code().id().getBytes(StandardCharsets.US_ASCII), f.reason().getBytes(StandardCharsets.UTF_8),
                f.sealedDetail() == null ? new byte[0] : f.sealedDetail());
    }

    /** The failure with the instance key's signature added. */
    public static Messages.Failure sign(Messages.Failure f, byte[] contractHash, Role recipient, PrivateKey instanceKey) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(instanceKey);
            s.update(signingMessage(contractHash, recipient, f));
            return new Messages.Failure(f.code(), f.reason(), f.sealedDetail(), s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    /** True only if the failure carries a valid signature by this instance signing key (X.509-encoded Ed25519). */
    public static boolean verifies(Messages.Failure f, byte[] contractHash, Role recipient, byte[] instanceSigningKey) {
        if (f.signature() == null) {
            return false;
        }
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(instanceSigningKey)));
            s.update(signingMessage(contractHash, recipient, f));
            return s.verify(f.signature());
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }
}
