package dev.veil.cli;

import static dev.veil.cli.CliTest.veil;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 'veil join' as the model provider with the wrong sealed file (issue 7, "bad input"; items 5 and 6). The data
 * provider's join checks its dataset against the contract before anything is sent ("nothing was released"); the model
 * provider's does not: given the sealed DATASET, or another model than the contract's, it connects, records the
 * contract as run in its replay record, releases its key and uploads, and only the enclave refuses the upload. By then
 * the contract is spent: the enclave tombstones it and the provider's own record refuses it until '--rerun'.
 *
 * <p>Expected: refused on the model provider's machine before connecting, exit 2, one line saying the sealed file is
 * not the contract's model, and no replay record written. Here the enclave address is closed, so "cannot connect"
 * shows that the join went ahead instead.
 */
class ModelProviderWrongAssetAttackTest {
    static final String NOWHERE = "127.0.0.1:9";
    @TempDir
    static Path dir;
    static JoinFixture f;

    @BeforeAll
    static void providers() throws Exception {
        f = JoinFixture.create(dir);
        byte[] other = Files.readAllBytes(Path.of(System.getProperty("veil.testdata.dir"), "models", "ocr-direction-cls.onnx"));
        other[other.length - 1] ^= 1;   // another model: one byte of a weight differs, so its digest is not the contract's
        Files.write(dir.resolve("other-model.onnx"), other);
        assertThat(veil("seal", "--in", dir.resolve("other-model.onnx").toString(), "--out", dir.resolve("other-model.veil").toString(),
                "--key-out", dir.resolve("other-model.key").toString(), "--type", "model").code()).isZero();
    }

    private static String[] withAsset(String sealed, String key) {
        String[] args = f.modelProvider(NOWHERE);
        int s = Arrays.asList(args).indexOf("--sealed");
        int k = Arrays.asList(args).indexOf("--key");
        args[s + 1] = dir.resolve(sealed).toString();
        args[k + 1] = dir.resolve(key).toString();
        return args;
    }

    @Test
    void wrongSealedFileIsRefusedBeforeTheModelProvidersKeyMoves() {
        SoftAssertions soft = new SoftAssertions();
        for (String[] asset : new String[][] {{"data.veil", "data.key"}, {"other-model.veil", "other-model.key"}}) {
            CliTest.Result r = veil(withAsset(asset[0], asset[1]));
            soft.assertThat(r.code()).as(asset[0]).isEqualTo(2);
            soft.assertThat(r.err()).as(asset[0] + ": refused on this machine, not by the enclave")
                    .doesNotContain("cannot connect").contains("model");
        }
        soft.assertAll();
    }
}
