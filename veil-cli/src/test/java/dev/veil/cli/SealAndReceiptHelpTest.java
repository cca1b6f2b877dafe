package dev.veil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Help a new user of batch on Spark reads: 'veil seal' has two forms (a sealed file with --key-out; parquet, run by the
 * batch launcher, without), and 'veil verify-receipt' says what --receipt takes.
 */
class SealAndReceiptHelpTest {
    @TempDir
    Path dir;

    @Test
    void sealUsageRequiresKeyOutOnlyInTheSealedFileForm() {
        String help = CliTest.veil("seal", "--help").out();
        String usage = help.substring(0, help.indexOf("Encrypt a file"));   // the synopsis, before the description
        assertThat(usage).contains("--key-out=<keyOut>").doesNotContain("[--key-out").contains("veil seal --format parquet");
        assertThat(usage.lines().filter(l -> l.contains("--format parquet"))).noneMatch(l -> l.contains("--key-out"));
    }

    @Test
    void sealingAFileWithoutKeyOutIsStillRefused() throws Exception {
        Path in = Files.writeString(dir.resolve("in.txt"), "x");
        CliTest.Result r = CliTest.veil("seal", "--in", in.toString(), "--out", dir.resolve("in.veil").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("missing --key-out");
        assertThat(dir.resolve("in.veil")).doesNotExist();
    }

    @Test
    void verifyReceiptDescribesReceipt() {
        var receipt = VeilCommand.commandLine().getSubcommands().get("verify-receipt").getCommandSpec().findOption("--receipt");
        assertThat(String.join(" ", receipt.description())).contains("batch receipt").contains("discard receipt");
    }
}
