package dev.veil.cli;

import static dev.veil.cli.CliTest.veil;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input as a new user gives it (issue 7, "bad input"): a directory where a file is expected, a binary file or a
 * JSON document with trailing data where a public identity is expected. The rule: exit 2, one line that says what was
 * wrong and what to do; never exit 1 "internal error ... please report it", and never a Java exception's own text
 * (e.g. a NullPointerException's "Cannot invoke ...") as the explanation.
 */
class InputFileMistakesAttackTest {
    @TempDir
    Path dir;
    JoinFixture f;
    Path aDirectory;
    Path model = Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx");

    @BeforeEach
    void providers() throws Exception {
        f = JoinFixture.create(dir);
        aDirectory = Files.createDirectories(dir.resolve("a-directory"));
    }

    private String[] draft(Path mp, Path dp) {
        return new String[] {"contract", "draft", "--model", model.toString(), "--max-size", CliTest.OCR_MAX_HEIGHT, "--max-size", CliTest.OCR_MAX_WIDTH, "--model-provider", mp.toString(),
                "--data-provider", dp.toString(), "--platform", "sim", "--measurement", "ab".repeat(48), "--allow-simulated",
                "--out", dir.resolve("draft-" + System.nanoTime() + ".json").toString()};
    }

    private static String[] with(String[] args, String option, Path value) {
        String[] copy = args.clone();
        int i = Arrays.asList(copy).indexOf(option);
        copy[i + 1] = value.toString();
        return copy;
    }

    private static void oneLineExitTwo(SoftAssertions soft, String what, CliTest.Result r) {
        soft.assertThat(r.code()).as(what + ": " + r.err()).isEqualTo(2);
        soft.assertThat(r.err()).as(what).doesNotContain("internal error").doesNotContain("Cannot invoke")
                .doesNotContain("is null");
        soft.assertThat(r.err().strip().lines()).as(what).hasSize(1);
    }

    @Test
    void directoryGivenWhereAnInputFileIsExpectedIsOneLineExitTwo() {
        Path mpPub = dir.resolve("mp.pub.json");
        Path dpPub = dir.resolve("dp.pub.json");
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {"contract", "show", "--contract", aDirectory.toString()});
        cases.add(with(draft(mpPub, dpPub), "--model", aDirectory));
        cases.add(with(draft(mpPub, dpPub), "--model-provider", aDirectory));
        cases.add(with(draft(mpPub, dpPub), "--data-provider", aDirectory));
        cases.add(new String[] {"attest", "verify", "--platform", "sim", "--evidence", model.toString(), "--policy", aDirectory.toString()});
        cases.add(new String[] {"verify-receipt", "--receipt", aDirectory.toString(), "--contract", f.contract().toString()});
        cases.add(new String[] {"contract", "sign", "--contract", aDirectory.toString(), "--identity", dir.resolve("mp.key").toString(),
                "--role", "model_provider"});
        cases.add(new String[] {"contract", "sign", "--contract", f.contract().toString(), "--identity", aDirectory.toString(),
                "--role", "model_provider"});
        cases.add(new String[] {"attest", "verify", "--platform", "sim", "--evidence", aDirectory.toString()});
        cases.add(new String[] {"attest", "verify", "--platform", "snp", "--evidence", model.toString(), "--certs", aDirectory.toString()});
        // fails before it listens: the certificates are read first
        cases.add(new String[] {"enclave", "run", "--port", "0", "--certs", aDirectory.toString(), "--work-dir", dir.resolve("e").toString()});
        for (String option : List.of("--contract", "--identity", "--sealed", "--key")) {
            cases.add(with(f.modelProvider("127.0.0.1:1"), option, aDirectory));
        }
        SoftAssertions soft = new SoftAssertions();
        for (String[] args : cases) {
            oneLineExitTwo(soft, String.join(" ", args), veil(args));
        }
        soft.assertAll();
    }

    @Test
    void binaryOrTrailingDataPublicIdentityIsOneLineExitTwo() throws Exception {
        byte[] noise = new byte[4096];
        new Random(7).nextBytes(noise);
        Path binary = Files.write(dir.resolve("binary.pub.json"), noise);
        Path trailing = Files.writeString(dir.resolve("trailing.pub.json"),
                Files.readString(dir.resolve("mp.pub.json")).strip() + "{");
        SoftAssertions soft = new SoftAssertions();
        oneLineExitTwo(soft, "binary --model-provider", veil(draft(binary, dir.resolve("dp.pub.json"))));
        oneLineExitTwo(soft, "trailing --data-provider", veil(draft(dir.resolve("mp.pub.json"), trailing)));
        soft.assertAll();
    }

    @Test
    void contractFileWithTrailingDataIsExplainedNotAJavaException() throws Exception {
        Path trailing = Files.writeString(dir.resolve("trailing-contract.json"), "{\"a\":1}{");
        CliTest.Result r = veil("contract", "show", "--contract", trailing.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).doesNotContain("Cannot invoke").doesNotContain("is null");
    }
}
