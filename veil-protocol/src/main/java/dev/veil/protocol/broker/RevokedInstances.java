package dev.veil.protocol.broker;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a broker's records revoke: every release ({@code all}, from {@code veil broker revoke --all}) and the instances
 * revoked one by one (their keys digests). Read from the revocation leaves of verified records only: a revocation
 * counts once its line is in a record whose heads the broker signed, and never stops counting.
 */
public record RevokedInstances(boolean all, Set<String> instances) {
    public static final RevokedInstances NONE = new RevokedInstances(false, Set.of());

    public RevokedInstances {
        instances = Set.copyOf(instances);
    }

    /** The revocations among a record's entries (the caller verified them). */
    public static RevokedInstances of(List<ReleaseLogEntry> entries) {
        RevokedInstances r = NONE;
        for (ReleaseLogEntry e : entries) {
            if (e.revocation() != null) {
                r = r.with(e.revocation());
            }
        }
        return r;
    }

    public RevokedInstances with(RevocationLeaf leaf) {
        return with(leaf.instanceKeys());
    }

    /** These and one more instance revoked, or every release for null. */
    public RevokedInstances with(String instanceKeys) {
        return instanceKeys == null ? new RevokedInstances(true, instances) : union(new RevokedInstances(false, Set.of(instanceKeys)));
    }

    public RevokedInstances union(RevokedInstances other) {
        Set<String> both = new LinkedHashSet<>(instances);
        both.addAll(other.instances);
        return new RevokedInstances(all || other.all, both);
    }

    /** Whether a release to this instance (its keys digest in hex) is revoked. */
    public boolean revoked(String instanceKeys) {
        return all || instances.contains(instanceKeys);
    }
}
