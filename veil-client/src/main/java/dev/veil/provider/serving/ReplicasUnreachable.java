package dev.veil.provider.serving;

import java.io.IOException;

/**
 * No replica answered one request: each was tried once and each failed with an outage (see {@link ReplicaOutage}).
 * The message names every replica and how it failed ({@link ReplicaOutage#describe}): nothing of the request. The
 * cause is the last failure that was not a refusal, if any.
 */
public final class ReplicasUnreachable extends IOException {
    ReplicasUnreachable(String message, IOException lastFailure) {
        super(message, lastFailure);
    }
}
