package dev.veil.cli;

import static dev.veil.cli.CliTest.veil;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `veil join` given what a new user might give it: each mistake is one line on stderr, exit 2, and nothing sent to
 * an enclave or written to disk. No enclave listens at 127.0.0.1:9, so an error about anything else proves the
 * mistake was caught before connecting.
 */
class JoinBadInputTest {
    static final String NOWHERE = "127.0.0.1:9";
    @TempDir
    static Path dir;
    static JoinFixture f;

    @BeforeAll
    static void providers() throws Exception {
        f = JoinFixture.create(dir);
    }

    static CliTest.Result refused(String[] args, String expected) {
        CliTest.Result r = veil(args);
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err().strip().lines()).as(r.err()).hasSize(1);
        assertThat(r.err()).contains(expected).doesNotContain("internal error");
        return r;
    }

    @Test
    void unresolvableEnclaveHostIsOneLineNotAnInternalError() {
        refused(f.modelProvider("no-such-enclave.invalid:7443"), "cannot resolve the enclave host 'no-such-enclave.invalid'");
        refused(f.modelProvider("127.0.0.1:70000"), "is not between 1 and 65535");
        refused(f.modelProvider("7443"), "--enclave must be host:port");
    }

    @Test
    void binaryFileAsKeyOrIdentityIsOneLine() throws Exception {
        byte[] noise = new byte[512];
        new Random(7).nextBytes(noise);
        Path binary = Files.write(dir.resolve("noise.bin"), noise);
        String[] withBinaryKey = f.modelProvider(NOWHERE);
        replace(withBinaryKey, "--key", binary.toString());
        refused(withBinaryKey, "--key " + binary + " holds binary data");
        String[] sealedAsKey = f.modelProvider(NOWHERE);
        replace(sealedAsKey, "--key", dir.resolve("model.veil").toString());
        refused(sealedAsKey, "holds binary data");
        String[] withBinaryIdentity = f.modelProvider(NOWHERE);
        replace(withBinaryIdentity, "--identity", binary.toString());
        refused(withBinaryIdentity, "--identity " + binary + " holds binary data");
        Path text = Files.writeString(dir.resolve("notes.txt"), "not an identity\n");
        String[] withTextIdentity = f.modelProvider(NOWHERE);
        replace(withTextIdentity, "--identity", text.toString());
        refused(withTextIdentity, "identity file notes.txt");
    }

    @Test
    void existingOutputsAreKeptUnlessForced() throws Exception {
        Path results = Files.writeString(dir.resolve("results-kept.npy"), "earlier results");
        refused(f.dataProvider(NOWHERE, results), "refusing to overwrite " + results);
        Path receipt = Files.writeString(dir.resolve("receipt-kept.json"), "earlier receipt");
        refused(f.modelProvider(NOWHERE, "--receipt-out", receipt.toString()), "refusing to overwrite " + receipt);
        assertThat(Files.readString(results)).isEqualTo("earlier results");
        assertThat(Files.readString(receipt)).isEqualTo("earlier receipt");
        refused(f.dataProvider(NOWHERE, dir.resolve("same.out"), "--receipt-out", dir.resolve("same.out").toString()), "name the same file");
        // with --force the outputs are no obstacle: what stops this run is the absent enclave
        CliTest.Result forced = veil(f.dataProvider(NOWHERE, results, "--force"));
        assertThat(forced.code()).isEqualTo(2);
        assertThat(forced.err()).contains("cannot connect to the enclave");
    }

    @Test
    void malformedRerunIsOneLine() {
        refused(f.modelProvider(NOWHERE, "--rerun", "abc"), "--rerun needs at least the first 8");
        refused(f.modelProvider(NOWHERE, "--rerun", "ffffffff"), "does not name this contract");
    }

    @Test
    void missingCollateralDirectoryIsOneLine() {
        refused(f.modelProvider(NOWHERE, "--collateral", dir.resolve("absent").toString()), "is not a directory");
        refused(f.modelProvider(NOWHERE, "--fetch", "--snp-product", "Naples"), "is not one of Milan, Genoa, Turin");
    }

    private static void replace(String[] args, String option, String value) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(option)) {
                args[i + 1] = value;
                return;
            }
        }
        throw new IllegalArgumentException(option);
    }
}
