package dev.veil.protocol.broker;

import dev.veil.protocol.binding.EvidenceBinding;

/** The checks every broker record shares, worded once. */
final class BrokerFields {
    /** Master-key ids name files in the broker's state directory: a short, plain name, never a path. */
    static final String MASTER_KEY_ID = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}";

    private BrokerFields() {
    }

    static void requireContractHash(String contractHash) {
        if (contractHash == null || !contractHash.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("contract_hash must be 64 lowercase hex digits");
        }
    }

    static byte[] requireNonce(byte[] nonce, String name) {
        if (nonce == null || nonce.length != EvidenceBinding.NONCE_LENGTH) {
            throw new IllegalArgumentException(name + " must be " + EvidenceBinding.NONCE_LENGTH + " bytes");
        }
        return nonce.clone();
    }

    static byte[] require(byte[] value, String name) {
        if (value == null || value.length == 0) {
            throw new IllegalArgumentException(name + " is missing");
        }
        return value.clone();
    }

    static void requireMasterKeyId(String id) {
        if (id == null || !id.matches(MASTER_KEY_ID)) {
            throw new IllegalArgumentException("master_key_id must be 1 to 64 letters, digits, '.', '_' or '-', starting with a"
                    + " letter or digit");
        }
    }
}
