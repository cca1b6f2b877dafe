package dev.veil.protocol.servinghttp;

import dev.veil.attest.Platform;
import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.identity.PublicIdentity;
import java.util.List;

/**
 * A data provider's receipt for one answered request, as {@code veil infer --receipt-out} writes it: the sealed
 * answer's {@link LogReceipt}, the SHA-256 of the inputs and outputs it commits to, the requester it commits to (the
 * data provider's public identity), and the evidence the data provider appraised for the instance whose key signed
 * the tree head (with the nonce it answered), so that it can be checked offline, on its own
 * ({@link ServingReceipts#verifyInference}, {@code veil verify-receipt}). It holds salts: whoever gets it can test a
 * guess of the inputs or outputs, so the data provider shares it only with whom it would show them.
 *
 * @param kind always {@link #KIND}, so a receipt file names what it is
 */
public record InferenceReceipt(String kind, String contractHash, LogReceipt receipt, String inputsSha256, String outputsSha256,
                               PublicIdentity requester, Platform platform, byte[] evidence, List<byte[]> collateral,
                               byte[] evidenceNonce, InstanceKeys instanceKeys) {
    public static final String KIND = "veil.serving-inference-receipt.v1";

    public InferenceReceipt {
        if (!KIND.equals(kind)) {
            throw new IllegalArgumentException("an inference receipt has kind '" + KIND + "'");
        }
        if (contractHash == null || receipt == null || inputsSha256 == null || outputsSha256 == null || requester == null
                || platform == null || evidence == null || evidenceNonce == null || instanceKeys == null) {
            throw new IllegalArgumentException("an inference receipt is incomplete");
        }
        collateral = collateral == null ? List.of() : List.copyOf(collateral);
    }
}
