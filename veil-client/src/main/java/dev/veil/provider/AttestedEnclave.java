package dev.veil.provider;

import dev.veil.attest.Claims;
import dev.veil.attest.Platform;
import dev.veil.protocol.binding.InstanceKeys;

/**
 * The verdict on an enclave after appraisal: what it is (claims), which instance keys it holds (bound in its
 * evidence); {@code claims.simulated()} says whether it is the insecure simulation. Only an AttestedEnclave gets keys.
 */
public record AttestedEnclave(Claims claims, InstanceKeys instanceKeys, byte[] evidence, Platform platform) {
}
