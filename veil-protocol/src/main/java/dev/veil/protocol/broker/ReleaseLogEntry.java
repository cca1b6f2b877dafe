package dev.veil.protocol.broker;

import dev.veil.protocol.json.MayBeAbsent;
import dev.veil.protocol.translog.SignedTreeHead;

/**
 * One line of a broker's record: a release to an instance, an unwrap for the data provider or a revocation (exactly
 * one; a record written before revocations were recorded has no {@code revocation} in any line), and the
 * head of its contract's log just after it was appended, signed by the provider's identity. Each line's head commits
 * to every entry before it, so a line removed, altered or reordered breaks the next head (and a truncated tail is
 * caught against a head the provider kept, or printed).
 */
public record ReleaseLogEntry(@MayBeAbsent ReleaseLeaf release, @MayBeAbsent OwnerUnwrapLeaf ownerUnwrap,
                              @MayBeAbsent RevocationLeaf revocation, SignedTreeHead head) {
    public ReleaseLogEntry {
        int leaves = (release == null ? 0 : 1) + (ownerUnwrap == null ? 0 : 1) + (revocation == null ? 0 : 1);
        if (leaves != 1 || head == null) {
            throw new IllegalArgumentException("a record line holds a release, an owner unwrap or a revocation (one of them)"
                    + " and a signed head");
        }
    }

    public static ReleaseLogEntry of(RecordLeaf leaf, SignedTreeHead head) {
        if (leaf instanceof ReleaseLeaf r) {
            return new ReleaseLogEntry(r, null, null, head);
        }
        if (leaf instanceof OwnerUnwrapLeaf u) {
            return new ReleaseLogEntry(null, u, null, head);
        }
        return new ReleaseLogEntry(null, null, (RevocationLeaf) leaf, head);
    }

    /** The line's leaf, whichever kind it is. */
    public RecordLeaf leaf() {
        return release != null ? release : ownerUnwrap != null ? ownerUnwrap : revocation;
    }
}
