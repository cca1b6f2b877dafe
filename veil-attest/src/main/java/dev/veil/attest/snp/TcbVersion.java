package dev.veil.attest.snp;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * An SNP TCB_VERSION (a u64 of security patch levels). The byte layout differs by product: Milan and Genoa put the
 * bootloader in byte 0, TEE in byte 1, SNP in byte 6 and microcode in byte 7; Turin (Zen 5) adds FMC in byte 0 and
 * puts bootloader, TEE and SNP in bytes 1–3 (AMD SEV-SNP ABI specification).
 */
public record TcbVersion(long raw, int fmc, int bootloader, int tee, int snp, int microcode, boolean turin) {
    /** The security patch levels a TCB_VERSION carries, by the names a contract's {@code min_tcb} uses. */
    public enum Component {
        FMC("fmc"), BL("bl"), TEE("tee"), SNP("snp"), UCODE("ucode");

        private final String id;

        Component(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        @Override
        public String toString() {
            return id;
        }
    }

    public static TcbVersion decode(long raw, boolean turin) {
        int b0 = (int) (raw & 0xff);
        int b1 = (int) ((raw >>> 8) & 0xff);
        int b2 = (int) ((raw >>> 16) & 0xff);
        int b3 = (int) ((raw >>> 24) & 0xff);
        int b6 = (int) ((raw >>> 48) & 0xff);
        int b7 = (int) ((raw >>> 56) & 0xff);
        return turin ? new TcbVersion(raw, b0, b1, b2, b3, b7, true) : new TcbVersion(raw, -1, b0, b1, b6, b7, false);
    }

    /** The level of {@code c}; empty for FMC, which only Turin reports. */
    public OptionalInt level(Component c) {
        return switch (c) {
            case FMC -> turin ? OptionalInt.of(fmc) : OptionalInt.empty();
            case BL -> OptionalInt.of(bootloader);
            case TEE -> OptionalInt.of(tee);
            case SNP -> OptionalInt.of(snp);
            case UCODE -> OptionalInt.of(microcode);
        };
    }

    /** Every component this layout carries, with its level, in {@link Component} order. */
    public Map<Component, Integer> levels() {
        Map<Component, Integer> out = new LinkedHashMap<>();
        for (Component c : Component.values()) {
            level(c).ifPresent(v -> out.put(c, v));
        }
        return Collections.unmodifiableMap(out);
    }

    @Override
    public String toString() {
        return (turin ? "fmc=" + fmc + " " : "") + "bl=" + bootloader + " tee=" + tee + " snp=" + snp + " ucode=" + microcode
                + String.format(" (0x%016x)", raw);
    }
}
