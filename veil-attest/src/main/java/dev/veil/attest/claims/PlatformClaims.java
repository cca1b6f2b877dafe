package dev.veil.attest.claims;

import dev.veil.attest.Platform;
import java.util.Map;
import java.util.Set;

/**
 * What one platform's verified evidence says beyond the launch measurement, as typed fields the reference values
 * judge directly. {@link #byName()} renders the same facts as text under their documented claim names, for people
 * ({@code veil attest verify} prints it) and for a contract's exact pins ({@code claims}); {@link #names()} is every
 * name a platform's claims can carry, so a pin naming anything else is refused before it is signed.
 */
public sealed interface PlatformClaims permits SimClaims, SnpClaims, DcapClaims, NitroClaims {
    Platform platform();

    /** The revocation/TCB collateral the verifier did not have; empty when it had all it needs (or needs none). */
    Set<CollateralKind> collateralMissing();

    /** Every claim as text under its documented name, in a stable order. */
    Map<String, String> byName();

    /** Every name {@link #byName()} can carry on {@code platform}, whichever optional fields a report has. */
    static Set<String> names(Platform platform) {
        return switch (platform) {
            case SIM -> SimClaims.NAMES;
            case SEV_SNP -> SnpClaims.NAMES;
            case TDX -> DcapClaims.TDX_NAMES;
            case SGX -> DcapClaims.SGX_NAMES;
            case NITRO -> NitroClaims.NAMES;
        };
    }
}
