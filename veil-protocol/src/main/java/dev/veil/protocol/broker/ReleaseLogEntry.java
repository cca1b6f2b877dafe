package dev.veil.protocol.broker;

import dev.veil.protocol.translog.SignedTreeHead;

/**
 * One line of a broker's release record: the release, and the head of its contract's log just after it was appended,
 * signed by the provider's identity. Each line's head commits to every release before it, so a line removed, altered
 * or reordered breaks the next head (and a truncated tail is caught against a head the provider kept, or printed).
 */
public record ReleaseLogEntry(ReleaseLeaf release, SignedTreeHead head) {
    public ReleaseLogEntry {
        if (release == null || head == null) {
            throw new IllegalArgumentException("a release record line holds a release and a signed head");
        }
    }
}
