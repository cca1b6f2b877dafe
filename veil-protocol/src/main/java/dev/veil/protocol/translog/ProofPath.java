package dev.veil.protocol.translog;

import java.util.ArrayList;
import java.util.List;

/** The hashes of a proof, checked and copied once as they are parsed or built. */
final class ProofPath {
    private ProofPath() {
    }

    static List<byte[]> copyOf(List<byte[]> path, String proof) {
        if (path == null) {
            throw new IllegalArgumentException(proof + " has no path");
        }
        List<byte[]> copy = new ArrayList<>(path.size());
        for (int i = 0; i < path.size(); i++) {
            byte[] h = path.get(i);
            if (h == null || h.length != MerkleHash.LENGTH) {
                throw new IllegalArgumentException(proof + " path element " + i + " is not a " + MerkleHash.LENGTH + "-byte hash");
            }
            copy.add(h.clone());
        }
        return java.util.Collections.unmodifiableList(copy);
    }

    static List<byte[]> copyOut(List<byte[]> path) {
        List<byte[]> copy = new ArrayList<>(path.size());
        for (byte[] h : path) {
            copy.add(h.clone());
        }
        return copy;
    }
}
