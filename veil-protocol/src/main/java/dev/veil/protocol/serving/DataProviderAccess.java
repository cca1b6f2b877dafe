package dev.veil.protocol.serving;

import dev.veil.protocol.identity.PublicIdentity;
import java.util.List;

/**
 * Which data providers may query under a serving contract: the identities listed, or, only when {@code any} is
 * true and the list is empty, any identity at all. Both fields are always written, so "any" is never the reading
 * of a missing or empty list. Budgets are per identity, and anyone can make new identities: with {@code any} the
 * budgets bound each identity, not the total.
 */
public record DataProviderAccess(Boolean any, List<PublicIdentity> identities) {
    public DataProviderAccess {
        if (any == null || identities == null) {
            throw new IllegalArgumentException("serving contract data_providers needs 'any' (true or false) and 'identities' (a list)");
        }
        for (PublicIdentity id : identities) {
            if (id == null) {
                throw new IllegalArgumentException("serving contract data_providers.identities holds a null entry");
            }
        }
        identities = List.copyOf(identities);
    }

    public static DataProviderAccess anyDataProvider() {
        return new DataProviderAccess(true, List.of());
    }

    public static DataProviderAccess only(List<PublicIdentity> identities) {
        return new DataProviderAccess(false, identities);
    }
}
