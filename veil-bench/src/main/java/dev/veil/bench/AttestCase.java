package dev.veil.bench;

import dev.veil.attest.EvidenceEncoding;
import dev.veil.attest.Platform;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.Verifiers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** One platform's public evidence sample with its collateral, as the verification benchmark uses it. */
record AttestCase(String name, Platform platform, byte[] evidence, VerificationOptions options) {
    static List<AttestCase> all(Path shared) throws IOException {
        Path v = shared.resolve("vectors");
        return List.of(
                new AttestCase("SEV-SNP (Milan, VCEK chain)", Platform.SEV_SNP, Files.readAllBytes(v.resolve("sev-snp/virtee-milan-report.bin")),
                        new VerificationOptions(Instant.parse("2026-06-01T00:00:00Z"), List.of(Files.readAllBytes(v.resolve("sev-snp/virtee-milan-vcek.der"))))),
                new AttestCase("TDX v4 + TCB Info, QE Identity, CRLs", Platform.TDX, Files.readAllBytes(v.resolve("tdx/dcapqvl-tdx_quote.bin")),
                        new VerificationOptions(Instant.parse("2025-07-19T10:00:34Z"), dir(v.resolve("tdx/dcapqvl-tdx_quote.collateral")))),
                new AttestCase("SGX v3 + TCB Info, QE Identity, CRLs", Platform.SGX, Files.readAllBytes(v.resolve("sgx/dcapqvl-sgx_quote.bin")),
                        new VerificationOptions(Instant.parse("2025-07-01T00:00:00Z"), dir(v.resolve("sgx/dcapqvl-sgx_quote.collateral")))),
                new AttestCase("Nitro (COSE_Sign1, 4-cert chain)", Platform.NITRO,
                        EvidenceEncoding.decode(Files.readAllBytes(v.resolve("nitro/evervault-beta-valid-attestation-doc.bin"))),
                        VerificationOptions.at(Instant.parse("2022-10-13T09:00:00Z"))));
    }

    long verifyNanos() throws Exception {
        long t = System.nanoTime();
        Verifiers.forPlatform(platform).verify(evidence, options);
        return System.nanoTime() - t;
    }

    private static List<byte[]> dir(Path d) throws IOException {
        List<byte[]> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(d)) {
            for (Path f : s.sorted().toList()) {
                out.add(Files.readAllBytes(f));
            }
        }
        return out;
    }
}
