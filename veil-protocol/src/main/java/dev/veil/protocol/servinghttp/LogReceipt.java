package dev.veil.protocol.servinghttp;

import dev.veil.protocol.translog.LeafSalts;
import dev.veil.protocol.translog.LogInclusion;

/**
 * What a data provider's sealed answer carries about its request: the log leaf with its inclusion proof and the
 * signed tree head, and the salts that open the leaf's commitments (to the SHA-256 of the request's {@code .npz}
 * inputs, of the answer's {@code .npz} outputs, and to the requester). It travels sealed to the data provider only.
 */
public record LogReceipt(LogInclusion log, LeafSalts salts) {
    public LogReceipt {
        if (log == null || salts == null) {
            throw new IllegalArgumentException("a log receipt needs log and salts");
        }
    }
}
