package dev.veil.protocol.translog;

/** Checks and copies the 32-byte values (hashes, commitments, salts) the log's records hold. */
final class Bytes32 {
    private Bytes32() {
    }

    static byte[] copy(byte[] value, String what) {
        if (value == null || value.length != MerkleHash.LENGTH) {
            throw new IllegalArgumentException(what + " must be " + MerkleHash.LENGTH + " bytes");
        }
        return value.clone();
    }
}
