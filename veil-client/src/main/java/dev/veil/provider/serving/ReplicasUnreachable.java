package dev.veil.provider.serving;

import java.io.IOException;

/**
 * No replica answered one request: each was tried once and each failed with an outage (see {@link ReplicaOutage}).
 * The message names every replica and how it failed, by exception class or HTTP status and reason only: nothing of
 * the request.
 */
public final class ReplicasUnreachable extends IOException {
    ReplicasUnreachable(String message) {
        super(message);
    }
}
