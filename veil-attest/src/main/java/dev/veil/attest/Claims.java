package dev.veil.attest;

import java.util.HexFormat;
import java.util.Map;

/**
 * What verified evidence says about the TEE: produced only after signatures and certificate chains checked out.
 * {@code measurement} is the platform's primary launch measurement (SNP MEASUREMENT, TDX MRTD, SGX MRENCLAVE,
 * Nitro PCR0, sim code digest); {@code details} holds the rest by name, as hex or text.
 */
public record Claims(Platform platform, byte[] measurement, byte[] reportData, boolean debug,
                     Map<String, String> details) {
    public Claims {
        measurement = measurement.clone();
        reportData = reportData.clone();
        details = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(details));
    }

    @Override
    public byte[] measurement() {
        return measurement.clone();
    }

    @Override
    public byte[] reportData() {
        return reportData.clone();
    }

    public String measurementHex() {
        return HexFormat.of().formatHex(measurement);
    }

    public String reportDataHex() {
        return HexFormat.of().formatHex(reportData);
    }

    public boolean simulated() {
        return platform == Platform.SIM;
    }
}
