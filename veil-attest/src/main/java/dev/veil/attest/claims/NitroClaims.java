package dev.veil.attest.claims;

import dev.veil.attest.Platform;
import dev.veil.attest.nitro.NitroDocument;
import java.time.Instant;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * AWS Nitro Enclaves claims: the attestation document whose signature and chain verified, and the subject of the
 * certificate that signed it. Nitro has no TCB status and uses no collateral: trust rests on AWS's root and the PCRs.
 */
public record NitroClaims(NitroDocument document, String certificateSubject) implements PlatformClaims {
    static final Set<String> NAMES = Stream.concat(IntStream.range(0, 32).mapToObj(i -> "pcr" + i),
            Stream.of("module_id", "timestamp", "digest", "user_data", "nonce", "public_key", "certificate", "debug_mode",
                    "tcb_status", "collateral_missing")).collect(Collectors.toUnmodifiableSet());
    private static final HexFormat HEX = HexFormat.of();

    public NitroClaims {
        Objects.requireNonNull(document, "document");
        Objects.requireNonNull(certificateSubject, "certificateSubject");
    }

    @Override
    public Platform platform() {
        return Platform.NITRO;
    }

    @Override
    public Set<CollateralKind> collateralMissing() {
        return Set.of();
    }

    @Override
    public Map<String, String> byName() {
        NitroDocument doc = document;
        Map<String, String> d = new LinkedHashMap<>();
        d.put("module_id", doc.moduleId());
        d.put("timestamp", Instant.ofEpochMilli(doc.timestamp()).toString());
        d.put("digest", doc.digest());
        doc.pcrs().forEach((i, v) -> d.put("pcr" + i, HEX.formatHex(v)));
        d.put("user_data", doc.userData() == null ? "(absent)" : HEX.formatHex(doc.userData()));
        d.put("nonce", doc.nonce() == null ? "(absent)" : HEX.formatHex(doc.nonce()));
        d.put("public_key", doc.publicKey() == null ? "(absent)" : HEX.formatHex(doc.publicKey()));
        d.put("certificate", certificateSubject);
        d.put("debug_mode", doc.debugMode() ? "true (all-zero PCRs: the enclave was started with --debug-mode)" : "false");
        d.put("tcb_status", "not applicable: Nitro has no TCB status; trust rests on AWS's root and the PCRs");
        d.put("collateral_missing", "");
        return Collections.unmodifiableMap(d);
    }
}
