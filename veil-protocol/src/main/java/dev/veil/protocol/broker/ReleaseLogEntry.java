package dev.veil.protocol.broker;

import dev.veil.protocol.json.MayBeAbsent;
import dev.veil.protocol.translog.SignedTreeHead;

/**
 * One line of a broker's record: a release to an instance or an unwrap for the data provider (exactly one), and the
 * head of its contract's log just after it was appended, signed by the provider's identity. Each line's head commits
 * to every entry before it, so a line removed, altered or reordered breaks the next head (and a truncated tail is
 * caught against a head the provider kept, or printed).
 */
public record ReleaseLogEntry(@MayBeAbsent ReleaseLeaf release, @MayBeAbsent OwnerUnwrapLeaf ownerUnwrap, SignedTreeHead head) {
    public ReleaseLogEntry {
        if ((release == null) == (ownerUnwrap == null) || head == null) {
            throw new IllegalArgumentException("a record line holds a release or an owner unwrap (one of them) and a signed head");
        }
    }

    public static ReleaseLogEntry of(RecordLeaf leaf, SignedTreeHead head) {
        return leaf instanceof ReleaseLeaf r ? new ReleaseLogEntry(r, null, head)
                : new ReleaseLogEntry(null, (OwnerUnwrapLeaf) leaf, head);
    }

    /** The line's leaf, whichever kind it is. */
    public RecordLeaf leaf() {
        return release != null ? release : ownerUnwrap;
    }
}
