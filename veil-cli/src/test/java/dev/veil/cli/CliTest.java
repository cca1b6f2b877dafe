package dev.veil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The CLI as a user meets it: exit codes, one-line errors, JSON on stdout, nothing half-written. */
public class CliTest {
    /**
     * The test OCR classifier's free height and width (x: float32 [N, 3, H, W]) as 'contract draft --max-size' takes
     * them: a contract must bound every free dimension after the first; no test image is larger.
     */
    public static final String OCR_MAX_HEIGHT = "p2o.DynamicDimension.1=4096";
    public static final String OCR_MAX_WIDTH = "p2o.DynamicDimension.2=4096";

    @TempDir
    Path dir;

    public record Result(int code, String out, String err) {
    }

    public static Result veil(String... args) {
        StringWriter err = new StringWriter();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream rawErr = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(rawErr, true, StandardCharsets.UTF_8));
        try {
            CommandLine cl = VeilCommand.commandLine();
            cl.setErr(new PrintWriter(err, true));
            // commands that print through picocli's stream write here whatever another thread did to System.out
            cl.setOut(new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true));
            int code = cl.execute(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), rawErr.toString(StandardCharsets.UTF_8) + err);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void sealAndUnsealRoundTripWithOwnerOnlyKey() throws Exception {
        byte[] data = new byte[300_000];
        new Random(1).nextBytes(data);
        Path in = Files.write(dir.resolve("model.onnx"), data);
        Result s = veil("seal", "--in", in.toString(), "--out", dir.resolve("m.veil").toString(),
                "--key-out", dir.resolve("m.key").toString(), "--type", "model");
        assertThat(s.code()).isZero();
        assertThat(s.out()).contains("\"content_type\":\"model\"").contains("\"plaintext_size\":300000");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("m.key")))).isEqualTo("rw-------");
        Result u = veil("unseal", "--in", dir.resolve("m.veil").toString(), "--key", dir.resolve("m.key").toString(),
                "--out", dir.resolve("back.onnx").toString());
        assertThat(u.code()).isZero();
        assertThat(Files.readAllBytes(dir.resolve("back.onnx"))).isEqualTo(data);
    }

    @Test
    void tamperedTruncatedOrWrongKeyExitsTwoWithOneLineAndNoOutput() throws Exception {
        Path in = Files.write(dir.resolve("d.csv"), "1,2,3\n".repeat(50_000).getBytes());
        veil("seal", "--in", in.toString(), "--out", dir.resolve("d.veil").toString(), "--key-out", dir.resolve("d.key").toString());
        veil("seal", "--in", in.toString(), "--out", dir.resolve("other.veil").toString(), "--key-out", dir.resolve("other.key").toString());
        byte[] sealed = Files.readAllBytes(dir.resolve("d.veil"));
        byte[] tampered = sealed.clone();
        tampered[tampered.length - 100] ^= 1;
        Files.write(dir.resolve("tampered.veil"), tampered);
        Files.write(dir.resolve("truncated.veil"), java.util.Arrays.copyOf(sealed, sealed.length - 1000));

        String[][] cases = {{"tampered.veil", "d.key", "tampered"}, {"truncated.veil", "d.key", "tampered"},
                {"d.veil", "other.key", "wrong key"}, {"d.csv", "d.key", "not a Veil sealed file"}};
        for (String[] c : cases) {
            Path out = dir.resolve("out-" + c[0]);
            Result r = veil("unseal", "--in", dir.resolve(c[0]).toString(), "--key", dir.resolve(c[1]).toString(), "--out", out.toString());
            assertThat(r.code()).as(c[0]).isEqualTo(2);
            assertThat(r.err().strip().lines()).as(c[0]).hasSize(1);
            assertThat(r.err()).as(c[0]).contains(c[2]);
            assertThat(out).doesNotExist();
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void badArgumentsAndMissingFilesExitTwo() {
        Result missing = veil("unseal", "--in", dir.resolve("nope.veil").toString(), "--key", dir.resolve("nope.key").toString(),
                "--out", dir.resolve("x").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("file not found");
        Result unknown = veil("seal", "--bogus");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(veil("seal", "--in", "a", "--out", "b", "--key-out", "c", "--type", "video").err()).contains("--type 'video'");
    }

    @Test
    void sealRefusesToOverwriteAKey() throws Exception {
        Path in = Files.write(dir.resolve("a"), new byte[10]);
        Files.writeString(dir.resolve("k"), "precious");
        Result r = veil("seal", "--in", in.toString(), "--out", dir.resolve("a.veil").toString(), "--key-out", dir.resolve("k").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(Files.readString(dir.resolve("k"))).isEqualTo("precious");
        assertThat(dir.resolve("a.veil")).doesNotExist();
    }

    @Test
    void keygenWritesOwnerOnlySecretAndPrintsFingerprint() throws Exception {
        Result r = veil("keygen", "--name", "acme", "--dir", dir.toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).containsPattern("\"fingerprint\":\"[0-9a-f]{4}(-[0-9a-f]{4}){4}\"").contains("MLKEM768-X25519");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("acme.key")))).isEqualTo("rw-------");
        assertThat(Files.readString(dir.resolve("acme.pub.json"))).doesNotContain("private");
        assertThat(veil("keygen", "--name", "acme", "--dir", dir.toString()).code()).isEqualTo(2);
    }

    @Test
    void everyCommandHasHelp() {
        for (String c : new String[] {"demo", "seal", "unseal", "keygen", "contract", "enclave", "join", "verify-receipt"}) {
            Result r = veil(c, "--help");
            assertThat(r.code()).as(c).isZero();
            assertThat(r.out()).as(c).contains("Usage: veil " + c);
        }
    }

    @Test
    void partialPlaintextOfAKilledUnsealIsRemovedByTheNextUnseal() throws Exception {
        byte[] data = new byte[600_000];
        new Random(4).nextBytes(data);
        Path in = Files.write(dir.resolve("m.bin"), data);
        assertThat(veil("seal", "--in", in.toString(), "--out", dir.resolve("m.veil").toString(), "--key-out",
                dir.resolve("m.key").toString()).code()).isZero();
        Path out = dir.resolve("back");
        assertThat(UnsealKilledMidway.run(dir.resolve("m.veil"), dir.resolve("m.key"), out)).isEqualTo(137);
        assertThat(hiddenFilesFor("back")).as("the killed run left its partial plaintext").hasSize(1)
                .allSatisfy(p -> assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).isEqualTo("rw-------"));

        Result u = veil("unseal", "--in", dir.resolve("m.veil").toString(), "--key", dir.resolve("m.key").toString(),
                "--out", out.toString());
        assertThat(u.code()).as(u.err()).isZero();
        assertThat(hiddenFilesFor("back")).isEmpty();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rw-------");
    }

    @Test
    void binaryFileAsKeyIsOneLineExitTwo() throws Exception {
        Path in = Files.write(dir.resolve("a"), new byte[10]);
        veil("seal", "--in", in.toString(), "--out", dir.resolve("a.veil").toString(), "--key-out", dir.resolve("a.key").toString());
        byte[] binary = new byte[200];
        new Random(5).nextBytes(binary);
        binary[0] = (byte) 0xff;
        Path[] wrongKeys = {Files.write(dir.resolve("bin.key"), binary), dir.resolve("a.veil"), in, dir};
        for (Path k : wrongKeys) {
            Result r = veil("unseal", "--in", dir.resolve("a.veil").toString(), "--key", k.toString(), "--out", dir.resolve("o").toString());
            assertThat(r.code()).as(k + ": " + r.err()).isEqualTo(2);
            assertThat(r.err().strip().lines()).as(k.toString()).hasSize(1);
            assertThat(r.err()).as(k.toString()).startsWith("veil: --key").doesNotContain("internal error");
            assertThat(dir.resolve("o")).doesNotExist();
        }
    }

    @Test
    void sealAndUnsealKeepExistingOutputsUnlessForced() throws Exception {
        Path in = Files.write(dir.resolve("a"), new byte[] {1, 2, 3});
        Path sealed = dir.resolve("a.veil");
        assertThat(veil("seal", "--in", in.toString(), "--out", sealed.toString(), "--key-out", dir.resolve("a.key").toString()).code()).isZero();
        byte[] first = Files.readAllBytes(sealed);

        Result reseal = veil("seal", "--in", in.toString(), "--out", sealed.toString(), "--key-out", dir.resolve("b.key").toString());
        assertThat(reseal.code()).isEqualTo(2);
        assertThat(reseal.err()).contains("--out " + sealed + " already exists").contains("--force");
        assertThat(Files.readAllBytes(sealed)).as("the sealed file the old key opens").isEqualTo(first);
        assertThat(dir.resolve("b.key")).as("no orphan key").doesNotExist();

        Path out = Files.writeString(dir.resolve("plain"), "precious");
        Result unseal = veil("unseal", "--in", sealed.toString(), "--key", dir.resolve("a.key").toString(), "--out", out.toString());
        assertThat(unseal.code()).isEqualTo(2);
        assertThat(unseal.err().strip().lines()).hasSize(1);
        assertThat(Files.readString(out)).isEqualTo("precious");

        assertThat(veil("unseal", "--in", sealed.toString(), "--key", dir.resolve("a.key").toString(), "--out", out.toString(),
                "--force").code()).isZero();
        assertThat(Files.readAllBytes(out)).containsExactly(1, 2, 3);
        assertThat(veil("seal", "--in", in.toString(), "--out", sealed.toString(), "--key-out", dir.resolve("b.key").toString(),
                "--force").code()).isZero();
        assertThat(Files.readAllBytes(sealed)).isNotEqualTo(first);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void unsealingOverItsOwnInputOrKeyIsRefused() throws Exception {
        Path in = Files.write(dir.resolve("a"), new byte[] {1});
        Path sealed = dir.resolve("a.veil");
        Path key = dir.resolve("a.key");
        veil("seal", "--in", in.toString(), "--out", sealed.toString(), "--key-out", key.toString());
        byte[] before = Files.readAllBytes(sealed);
        for (Path target : new Path[] {sealed, key}) {
            Result r = veil("unseal", "--in", sealed.toString(), "--key", key.toString(), "--out", target.toString(), "--force");
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).contains("name the same file");
        }
        assertThat(Files.readAllBytes(sealed)).isEqualTo(before);
        Result self = veil("seal", "--in", in.toString(), "--out", in.toString(), "--key-out", dir.resolve("c.key").toString(), "--force");
        assertThat(self.code()).isEqualTo(2);
        assertThat(dir.resolve("c.key")).doesNotExist();
    }

    @Test
    void pathMistakesAreOneLineExitTwoNamingTheOption() throws Exception {
        Path file = Files.write(dir.resolve("f"), new byte[] {1});
        String[][] cases = {
                {"--in", "seal", "--in", dir.toString(), "--out", dir.resolve("x").toString(), "--key-out", dir.resolve("k").toString()},
                {"--out", "seal", "--in", file.toString(), "--out", dir.toString(), "--key-out", dir.resolve("k").toString()},
                {"--out", "seal", "--in", file.toString(), "--out", file.resolve("x").toString(), "--key-out", dir.resolve("k").toString()},
                {"--in", "unseal", "--in", dir.toString(), "--key", file.toString(), "--out", dir.resolve("x").toString()},
                {"--dir", "keygen", "--name", "n", "--dir", file.toString()},
                {"--model", "demo", "--model", dir.toString(), "--data", file.toString(), "--out", dir.resolve("o").toString(),
                        "--work", dir.resolve("w").toString()},
        };
        for (String[] c : cases) {
            Result r = veil(Arrays.copyOfRange(c, 1, c.length));
            assertThat(r.code()).as(String.join(" ", c) + ": " + r.err()).isEqualTo(2);
            assertThat(r.err().strip().lines()).as(String.join(" ", c)).hasSize(1);
            assertThat(r.err()).as(String.join(" ", c)).startsWith("veil: " + c[0]);
        }
        assertThat(dir.resolve("k")).doesNotExist();
        assertThat(dir.resolve("w")).doesNotExist();
    }

    @Test
    void missingOptionHintNamesTheCommandActuallyUsed() {
        String[][] cases = {{"veil unseal", "unseal"}, {"veil seal", "seal"}, {"veil keygen", "keygen"},
                {"veil attest verify", "attest", "verify"}, {"veil contract draft", "contract", "draft"},
                {"veil", "no-such-command"}};
        for (String[] c : cases) {
            Result r = veil(Arrays.copyOfRange(c, 1, c.length));
            assertThat(r.code()).as(c[0]).isEqualTo(2);
            assertThat(r.err().strip().lines()).as(c[0]).hasSize(1);
            assertThat(r.err()).as(c[0]).contains("(see '" + c[0] + " --help')");
        }
    }

    private java.util.List<Path> hiddenFilesFor(String target) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("." + target + ".")).toList();
        }
    }
}
