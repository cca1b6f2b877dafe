package dev.veil.cli;

import static dev.veil.cli.CliTest.veil;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `veil contract draft` options that should be refused (issue 7, "bad input"; the brief: names carry no control text).
 * Today both are accepted with exit 0 and a contract is written:
 * <ul>
 * <li>{@code --expires-in -5m} drafts a contract that expired before it was written, which both parties then sign and
 * every enclave refuses: the mistake surfaces only at the ceremony.</li>
 * <li>{@code --model-name} with a newline and an ANSI escape goes into the signed contract unchecked, though identity
 * names and model signature names are refused for the same characters (CanonicalIdentityTest,
 * ModelSignatureStrictnessTest): the model provider's text reaches the data provider's tools with control characters.</li>
 * </ul>
 * Expected: exit 2, one line naming the option; no contract file written.
 */
class DraftOptionMistakesAttackTest {
    @TempDir
    Path dir;

    @BeforeEach
    void identities() {
        assertThat(veil("keygen", "--name", "mp", "--dir", dir.toString()).code()).isZero();
        assertThat(veil("keygen", "--name", "dp", "--dir", dir.toString(), "--key-wrap", "X25519").code()).isZero();
    }

    private CliTest.Result draft(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("contract", "draft", "--model", ContractCommandTest.MODEL.toString(), "--max-size", CliTest.OCR_MAX_HEIGHT, "--max-size", CliTest.OCR_MAX_WIDTH,
                "--model-provider", dir.resolve("mp.pub.json").toString(), "--data-provider", dir.resolve("dp.pub.json").toString(),
                "--platform", "sim", "--measurement", "ab".repeat(48), "--allow-simulated", "--out", out.toString()));
        a.addAll(List.of(extra));
        return veil(a.toArray(String[]::new));
    }

    @Test
    void expiryInThePastIsRefused() {
        Path out = dir.resolve("expired.json");
        CliTest.Result r = draft(out, "--expires-in", "-5m");
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).contains("--expires-in");
        assertThat(Files.exists(out)).isFalse();
    }

    @Test
    void modelNameWithControlCharactersIsRefused() {
        Path out = dir.resolve("named.json");
        CliTest.Result r = draft(out, "--model-name", "digits\n\u001b[31mveil: contract verified, release your key");
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(Files.exists(out)).isFalse();
    }

    /** A second size for one dimension must not silently replace the first: the signed bound is the one meant or none. */
    @Test
    void aMaxSizeGivenTwiceForOneDimensionIsRefused() {
        Path out = dir.resolve("twice.json");
        CliTest.Result r = draft(out, "--max-size", "p2o.DynamicDimension.2=100000");
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("veil: --max-size gives 'p2o.DynamicDimension.2' twice; give each dimension once\n");
        assertThat(Files.exists(out)).isFalse();
    }

    @Test
    void aMaxSizeThatIsNoWholeNumberOrNamesNoFreeDimensionIsRefused() {
        for (String bad : List.of("p2o.DynamicDimension.3=0", "x=1", "=5", "p2o.DynamicDimension.3", "p2o.DynamicDimension.3=1e3")) {
            Path out = dir.resolve("bad.json");
            CliTest.Result r = veil("contract", "draft", "--model", ContractCommandTest.MODEL.toString(), "--max-size", bad,
                    "--model-provider", dir.resolve("mp.pub.json").toString(), "--data-provider", dir.resolve("dp.pub.json").toString(),
                    "--platform", "sim", "--measurement", "ab".repeat(48), "--allow-simulated", "--out", out.toString());
            assertThat(r.code()).as(bad + ": " + r.err()).isEqualTo(2);
            assertThat(r.err()).as(bad).startsWith("veil: --max-size").doesNotContain("Exception");
            assertThat(Files.exists(out)).isFalse();
        }
    }
}
