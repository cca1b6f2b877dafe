package dev.veil.protocol.broker;

/**
 * A leaf of a broker's signed record: a release to an instance ({@link ReleaseLeaf}), an unwrap for the data
 * provider itself ({@link OwnerUnwrapLeaf}) or a revocation ({@link RevocationLeaf}). All are numbered in one sequence
 * per contract and hashed, each under its own label, into one RFC 9162 tree, so none can be removed, altered or passed
 * off as another.
 */
public sealed interface RecordLeaf permits ReleaseLeaf, OwnerUnwrapLeaf, RevocationLeaf {
    String contractHash();

    /** Its place in its contract's record, from 0. */
    long sequence();

    /** Seconds since 1970 UTC, the broker's clock. */
    long timestamp();

    byte[] leafHash();
}
