package dev.veil.protocol.wire;

import dev.veil.attest.Platform;
import dev.veil.protocol.binding.InstanceKeys;
import dev.veil.protocol.contract.Role;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.json.MayBeAbsent;
import dev.veil.protocol.receipt.FailureCode;
import dev.veil.protocol.receipt.SignedReceipt;

/** The ceremony's messages, in the order they are exchanged. */
public final class Messages {
    private Messages() {
    }

    /** Provider → enclave: "I am {role} under this contract; prove yourself against my fresh nonce." */
    public record Hello(Role role, SignedContract contract, byte[] nonce) implements Message {
    }

    /**
     * Enclave → provider: evidence whose report data binds the provider's nonce, the contract hash and the instance
     * keys, the certificates the platform handed out with it (e.g. the SNP VCEK), and the enclave's own nonce that the
     * provider's key release must sign (its freshness towards the enclave).
     */
    public record EvidenceOffer(Platform platform, byte[] evidence, java.util.List<byte[]> collateral, InstanceKeys instanceKeys,
                                byte[] enclaveNonce) implements Message {
        public EvidenceOffer {
            collateral = collateral == null ? java.util.List.of() : java.util.List.copyOf(collateral);
        }
    }

    /** Provider → enclave: the asset key, HPKE-sealed to the attested instance key, signed by the provider's identity. */
    public record KeyRelease(byte[] enc, byte[] wrappedKey, byte[] signature) implements Message {
    }

    /** Provider → enclave: a sealed asset of {@code size} bytes follows as data frames. */
    public record AssetUpload(String contentType, long size) implements Message {
    }

    /** Enclave → provider: a step succeeded. */
    public record Accepted(String step, String detail) implements Message {
    }

    /** Enclave → data provider: results sealed to the data provider follow as data frames, with their receipt. */
    public record ResultReady(SignedReceipt receipt, long sealedSize) implements Message {
    }

    /** Enclave → model provider: the session is over and the model is gone; signed receipt. */
    public record DiscardNotice(SignedReceipt receipt) implements Message {
    }

    /**
     * Either way: the session cannot go on. {@code code} is from the fixed vocabulary; {@code reason} is one line that
     * carries nothing derived from the data provider's data (before authentication it may name what was wrong with
     * the peer's own hello or key release); {@code sealedDetail}, when present, is the detailed reason sealed to the
     * receiving provider ({@link dev.veil.protocol.results.FailureDetail}); {@code signature}, once the session's
     * instance keys exist, is the instance key's signature over all of it ({@link FailureSignature}), so a provider
     * can tell the enclave's failure from one the host wrote.
     */
    public record Failure(FailureCode code, String reason, @MayBeAbsent byte[] sealedDetail, @MayBeAbsent byte[] signature)
            implements Message {
        public Failure {
            if (code == null || reason == null) {
                throw new IllegalArgumentException("a failure carries a code and a reason");
            }
        }

        /** An unsigned failure: before any instance key exists, or written by someone without one. */
        public Failure(FailureCode code, String reason, byte[] sealedDetail) {
            this(code, reason, sealedDetail, null);
        }
    }
}
