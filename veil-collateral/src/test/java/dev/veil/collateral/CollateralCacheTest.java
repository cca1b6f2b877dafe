package dev.veil.collateral;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Entries round-trip with and without an issuer chain; a damaged entry reads as absent, so it is fetched again. */
class CollateralCacheTest {
    static final URI U = URI.create("https://pcs.example/sgx/certification/v4/tcb?fmspc=00906ED50000");
    @TempDir
    Path dir;

    @Test
    void bodyAndChainAreStoredTogether() throws Exception {
        CollateralCache c = new CollateralCache(dir.resolve("c"));
        c.write(U, new CollateralCache.Entry(new byte[] {1, 2, 3}, Optional.of(new byte[] {9})));
        CollateralCache.Entry e = c.read(U).orElseThrow();
        assertThat(e.body()).containsExactly(1, 2, 3);
        assertThat(e.issuerChain()).hasValueSatisfying(chain -> assertThat(chain).containsExactly(9));
        c.write(U, new CollateralCache.Entry(new byte[0], Optional.empty()));
        assertThat(c.read(U).orElseThrow().issuerChain()).isEmpty();
        assertThat(c.read(URI.create("https://pcs.example/other"))).isEmpty();
    }

    @Test
    void truncatedOrForeignEntryReadsAsAbsent() throws Exception {
        CollateralCache c = new CollateralCache(dir.resolve("c"));
        c.write(U, new CollateralCache.Entry(new byte[100], Optional.of(new byte[10])));
        Path f = c.file(U);
        byte[] all = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(all, all.length - 1));
        assertThat(c.read(U)).isEmpty();
        Files.writeString(f, "something else entirely\n");
        assertThat(c.read(U)).isEmpty();
    }
}
