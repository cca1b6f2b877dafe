package dev.veil.cli;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.Verifiers;
import dev.veil.attest.policy.ReferenceValuesRules;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The RTMR0..2 of a real TDX quote in testdata/vectors, read from its verified claims as {@code veil attest verify}
 * prints them: the pins a TDX contract for that quote needs (docs/POLICY.md), never copied by hand.
 */
public final class TdxVectorRtmrs {
    /** Inside the validity of every TDX vector's PCK chain; no collateral is needed to read the body. */
    private static final Instant READ_AT = Instant.parse("2025-07-19T10:00:34Z");

    private TdxVectorRtmrs() {
    }

    /** rtmr0, rtmr1 and rtmr2 of {@code vector} (a path under testdata/vectors), by claim name. */
    public static Map<String, String> pins(String vector) throws IOException, AttestationException {
        byte[] quote = Files.readAllBytes(Path.of(System.getProperty("veil.testdata.dir"), "vectors", vector));
        Map<String, String> claims = Verifiers.forPlatform(Platform.TDX).verify(quote, VerificationOptions.at(READ_AT)).byName();
        Map<String, String> pins = new LinkedHashMap<>();
        for (String r : ReferenceValuesRules.TDX_BOOT_RTMRS) {
            pins.put(r, claims.get(r));
        }
        return pins;
    }

    /** The same pins as {@code veil contract draft} options: {@code --claim rtmr0=<hex>} and so on. */
    public static List<String> claimOptions(String vector) throws IOException, AttestationException {
        List<String> args = new ArrayList<>();
        pins(vector).forEach((name, hex) -> {
            args.add("--claim");
            args.add(name + "=" + hex);
        });
        return args;
    }
}
