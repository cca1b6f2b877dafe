package dev.veil.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The batch launcher's help reads as the CLI's does: whole summary sentences, paragraphs wrapped to the width. */
class LauncherHelpTest {
    @Test
    void everyCommandsSummaryLineIsAWholeSentence() {
        List<CommandLine> all = new ArrayList<>();
        collect(SparkLauncher.commandLine(), all);
        assertThat(all).hasSizeGreaterThanOrEqualTo(5);
        for (CommandLine c : all) {
            String[] lines = c.getCommandSpec().usageMessage().description();
            assertThat(lines).as(c.getCommandSpec().qualifiedName()).isNotEmpty();
            assertThat(lines[0]).as(c.getCommandSpec().qualifiedName()).matches("[A-Z].*\\.");
        }
    }

    @Test
    void descriptionsAreParagraphsNotSourceLines() {
        CommandLine batch = SparkLauncher.commandLine().getSubcommands().get("batch");
        StringWriter out = new StringWriter();
        batch.usage(new PrintWriter(out));
        // a source line broken in two by the usage width leaves a line of a word or two; a paragraph does not
        assertThat(out.toString().lines().map(String::strip).filter(l -> !l.isEmpty()))
                .noneMatch(l -> l.matches("[a-z'(]\\S*( \\S+)?[.)]?"));
        assertThat(batch.getCommandSpec().usageMessage().description()).hasSizeLessThanOrEqualTo(2);
        assertThat(batch.getCommandSpec().findOption("--master-key").description()).hasSize(1);
    }

    private static void collect(CommandLine c, List<CommandLine> into) {
        into.add(c);
        c.getSubcommands().values().stream().distinct().forEach(s -> collect(s, into));
    }
}
