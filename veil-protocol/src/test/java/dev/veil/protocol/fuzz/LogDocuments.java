package dev.veil.protocol.fuzz;

import dev.veil.protocol.translog.ConsistencyProof;
import dev.veil.protocol.translog.LogInclusion;
import dev.veil.protocol.translog.SignedTreeHead;

/**
 * One input of the transparency-log target: what a data provider's receipt carries ({@code inclusion}), and what the
 * model provider's audit compares it with ({@code older}, an earlier signed head, and {@code consistency}, the proof
 * that the inclusion's head extends it). Each part may be absent.
 */
record LogDocuments(LogInclusion inclusion, SignedTreeHead older, ConsistencyProof consistency) {
}
