package dev.veil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The help a new user reads first: each command's summary line (the one 'veil --help' lists) is a whole sentence. */
class HelpTextTest {
    @Test
    void everyCommandsSummaryLineIsAWholeSentence() {
        List<CommandLine> all = new ArrayList<>();
        collect(VeilCommand.commandLine(), all);
        assertThat(all).hasSizeGreaterThan(10);
        for (CommandLine c : all) {
            // what picocli lists: the header's first line if there is one, else the description's
            var usage = c.getCommandSpec().usageMessage();
            String[] lines = usage.header().length > 0 ? usage.header() : usage.description();
            assertThat(lines).as(c.getCommandSpec().qualifiedName()).isNotEmpty();
            String summary = lines[0];
            assertThat(summary).as(c.getCommandSpec().qualifiedName()).matches("[A-Z].*\\.");
        }
    }

    @Test
    void unsealHelpSaysTheDigestIsCheckedOnlyWhenAsked() {
        String help = CliTest.veil("unseal", "--help").out().replaceAll("\\s+", " ");
        assertThat(help).contains("checked only with --verify-digest").doesNotContain("and the plaintext digest verify");
    }

    @Test
    void topLevelHelpPointsToBatchOnSparkWhichItsOwnLauncherRuns() {
        String help = CliTest.veil("--help").out().replaceAll("\\s+", " ");
        assertThat(help).contains("'veil batch --help'").contains("'veil seal --format parquet'");
    }

    private static void collect(CommandLine c, List<CommandLine> into) {
        into.add(c);
        c.getSubcommands().values().stream().distinct().forEach(s -> collect(s, into));
    }
}
