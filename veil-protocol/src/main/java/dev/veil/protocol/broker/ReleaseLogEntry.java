package dev.veil.protocol.broker;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.veil.protocol.json.MayBeAbsent;
import dev.veil.protocol.translog.SignedTreeHead;

/**
 * One line of a broker's record: a release to an instance, an unwrap for the data provider or a revocation (exactly
 * one), and the head of its contract's log just after it was appended, signed by the provider's identity. Each line's
 * head commits to every entry before it, so a line removed, altered or reordered breaks the next head (and a truncated tail is
 * caught against a head the provider kept, or printed).
 *
 * <p>{@code revocation} is written only on a revocation's line, so release and owner-unwrap lines are exactly as before
 * revocations were recorded: a record without revocations reads the same to every broker version, and one with them is
 * refused whole (unknown field) by a broker too old to enforce them, instead of read without them.
 */
public record ReleaseLogEntry(@MayBeAbsent ReleaseLeaf release, @MayBeAbsent OwnerUnwrapLeaf ownerUnwrap,
                              @MayBeAbsent @JsonInclude(JsonInclude.Include.NON_NULL) RevocationLeaf revocation,
                              SignedTreeHead head) {
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
