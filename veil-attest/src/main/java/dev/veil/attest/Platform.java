package dev.veil.attest;

import java.util.Locale;

/** TEE platforms whose evidence Veil understands. {@link #SIM} is the insecure simulation used for development. */
public enum Platform {
    SIM("sim"), SEV_SNP("snp"), TDX("tdx"), SGX("sgx"), NITRO("nitro");

    private final String id;

    Platform(String id) {
        this.id = id;
    }

    /** The short name used in contracts, on the command line and in JSON. */
    public String id() {
        return id;
    }

    public static Platform fromId(String id) {
        for (Platform p : values()) {
            if (p.id.equals(id.toLowerCase(Locale.ROOT))) {
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
