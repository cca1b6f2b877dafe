package dev.veil.protocol.translog;

import java.util.ArrayList;
import java.util.List;

/**
 * An append-only array of 32-byte hashes in fixed chunks: exactly 32 bytes per hash (no object per hash), appending
 * never copies what is stored, and reads are by index. Not thread-safe: {@link MerkleLog} holds the lock.
 */
final class HashStore {
    private static final int HASHES_PER_CHUNK = 4096;
    private static final int CHUNK_BYTES = HASHES_PER_CHUNK * MerkleHash.LENGTH;
    private final List<byte[]> chunks = new ArrayList<>();
    private long size;

    long size() {
        return size;
    }

    void add(byte[] hash) {
        int within = (int) (size % HASHES_PER_CHUNK);
        if (within == 0) {
            chunks.add(new byte[CHUNK_BYTES]);
        }
        System.arraycopy(hash, 0, chunks.get(chunks.size() - 1), within * MerkleHash.LENGTH, MerkleHash.LENGTH);
        size++;
    }

    byte[] get(long index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("hash " + index + " of " + size);
        }
        byte[] out = new byte[MerkleHash.LENGTH];
        System.arraycopy(chunks.get((int) (index / HASHES_PER_CHUNK)), (int) (index % HASHES_PER_CHUNK) * MerkleHash.LENGTH,
                out, 0, MerkleHash.LENGTH);
        return out;
    }
}
