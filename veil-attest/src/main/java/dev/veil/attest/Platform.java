package dev.veil.attest;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.veil.attest.claims.CollateralKind;
import java.util.List;
import java.util.Locale;

/**
 * TEE platforms whose evidence Veil understands. {@link #SIM} is the insecure simulation used for development.
 * Each platform knows the length of its launch measurement and the kinds of revocation/TCB collateral its verifier
 * reports as missing (claim {@code collateral_missing}), so reference values can be checked against both.
 */
public enum Platform {
    SIM("sim", "code digest", 48, List.of()),
    SEV_SNP("snp", "MEASUREMENT", 48, List.of(CollateralKind.AMD_CRL)),
    TDX("tdx", "MRTD", 48, List.of(CollateralKind.TCB_INFO, CollateralKind.QE_IDENTITY, CollateralKind.PCK_CRL,
            CollateralKind.ROOT_CA_CRL)),
    SGX("sgx", "MRENCLAVE", 32, List.of(CollateralKind.TCB_INFO, CollateralKind.QE_IDENTITY, CollateralKind.PCK_CRL,
            CollateralKind.ROOT_CA_CRL)),
    NITRO("nitro", "PCR0", 48, List.of());

    private final String id;
    private final String measurementName;
    private final int measurementLength;
    private final List<CollateralKind> collateralKinds;

    Platform(String id, String measurementName, int measurementLength, List<CollateralKind> collateralKinds) {
        this.id = id;
        this.measurementName = measurementName;
        this.measurementLength = measurementLength;
        this.collateralKinds = collateralKinds;
    }

    /** The short name used in contracts, on the command line and in JSON. */
    @JsonValue
    public String id() {
        return id;
    }

    /** What the platform calls its primary launch measurement. */
    public String measurementName() {
        return measurementName;
    }

    /**
     * Bytes of the primary launch measurement: SNP MEASUREMENT 48, TDX MRTD 48, SGX MRENCLAVE 32, Nitro PCR0 48
     * (SHA-384), sim code digest 48.
     */
    public int measurementLength() {
        return measurementLength;
    }

    /** The collateral kinds this platform's verifier needs for revocation and TCB checks; empty when it needs none. */
    public List<CollateralKind> collateralKinds() {
        return collateralKinds;
    }

    /** Intel DCAP platforms, whose verifier reports {@code tcb_status}, {@code advisory_ids} and the evaluation number. */
    public boolean usesIntelTcbInfo() {
        return this == TDX || this == SGX;
    }

    @JsonCreator
    public static Platform fromId(String id) {
        for (Platform p : values()) {
            if (id != null && p.id.equals(id.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown platform '" + id + "', expected one of sim, snp, tdx, sgx, nitro");
    }

    @Override
    public String toString() {
        return id;
    }
}
