package dev.veil.attest;

import dev.veil.attest.claims.PlatformClaims;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;

/**
 * What verified evidence says about the TEE: produced only after signatures and certificate chains checked out.
 * {@code measurement} is the platform's primary launch measurement (SNP MEASUREMENT, TDX MRTD, SGX MRENCLAVE,
 * Nitro PCR0, sim code digest); {@code platformClaims} holds the rest, typed per platform, and names the platform.
 */
public record Claims(byte[] measurement, byte[] reportData, boolean debug, PlatformClaims platformClaims) {
    public Claims {
        measurement = measurement.clone();
        reportData = reportData.clone();
        Objects.requireNonNull(platformClaims, "platformClaims");
    }

    public Platform platform() {
        return platformClaims.platform();
    }

    @Override
    public byte[] measurement() {
        return measurement.clone();
    }

    @Override
    public byte[] reportData() {
        return reportData.clone();
    }

    /** Every platform claim as text under its documented name: what people see and what a contract's pins compare. */
    public Map<String, String> byName() {
        return platformClaims.byName();
    }

    public String measurementHex() {
        return HexFormat.of().formatHex(measurement);
    }

    public String reportDataHex() {
        return HexFormat.of().formatHex(reportData);
    }

    public boolean simulated() {
        return platform() == Platform.SIM;
    }
}
