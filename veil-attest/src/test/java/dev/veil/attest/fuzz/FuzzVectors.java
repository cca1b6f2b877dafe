package dev.veil.attest.fuzz;

import dev.veil.attest.Vectors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Genuine evidence and collateral the fuzz targets put around the fuzzed part, so that a mutation of one part meets
 * real, valid everything-else and the verifier runs as far as that part allows. Each set is used at an instant where
 * its certificates and collateral are all valid (testdata/vectors/SOURCES.md).
 */
final class FuzzVectors {
    /** A DCAP quote with its complete collateral set (TCB Info, QE Identity, both CRLs, their issuer chains). */
    record DcapSet(byte[] quote, Instant at, List<Path> collateral) {
        /** The set's collateral without the files {@code drop} selects, plus {@code extra}. */
        List<byte[]> collateralWithout(Predicate<String> drop, byte[] extra) {
            List<byte[]> out = new ArrayList<>();
            for (Path p : collateral) {
                if (!drop.test(p.getFileName().toString())) {
                    out.add(read(p));
                }
            }
            out.add(extra);
            return out;
        }
    }

    static final DcapSet TDX = dcap("tdx/dcapqvl-tdx_quote", "2025-07-19T10:00:34Z");
    static final DcapSet SGX = dcap("sgx/dcapqvl-sgx_quote", "2025-07-01T00:00:00Z");

    /** An SEV-SNP report with its VCEK and ASK/ARK chain, valid at {@link #SNP_AT}. */
    static final byte[] SNP_REPORT = Vectors.read("sev-snp/virtee-milan-report.bin");
    static final byte[] SNP_VCEK = Vectors.read("sev-snp/virtee-milan-vcek.der");
    static final byte[] SNP_CHAIN = Vectors.read("sev-snp/virtee-milan-ask-ark.pem");
    static final Instant SNP_AT = Instant.parse("2026-06-01T00:00:00Z");

    private FuzzVectors() {
    }

    private static DcapSet dcap(String base, String at) {
        try (Stream<Path> files = Files.list(Vectors.dir().resolve(base + ".collateral"))) {
            return new DcapSet(Vectors.read(base + ".bin"), Instant.parse(at), files.sorted().toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
