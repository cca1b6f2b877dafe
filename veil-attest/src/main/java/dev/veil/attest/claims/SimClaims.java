package dev.veil.attest.claims;

import dev.veil.attest.Platform;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The simulated TEE's claims: its chip id. It uses no collateral. */
public record SimClaims(byte[] chipId) implements PlatformClaims {
    static final Set<String> NAMES = Set.of("chip_id", "security", "collateral_missing");

    public SimClaims {
        chipId = chipId.clone();
    }

    @Override
    public byte[] chipId() {
        return chipId.clone();
    }

    @Override
    public Platform platform() {
        return Platform.SIM;
    }

    @Override
    public Set<CollateralKind> collateralMissing() {
        return Set.of();
    }

    @Override
    public Map<String, String> byName() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("chip_id", HexFormat.of().formatHex(chipId));
        d.put("security", "INSECURE: simulated TEE, root key is public");
        d.put("collateral_missing", "");
        return d;
    }
}
