package dev.veil.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** 'veil batch --help' shows which options the command requires, and those are the ones it demands. */
class BatchUsageTest {
    private static final List<String> REQUIRED = List.of("--contract", "--model", "--data", "--mp-broker", "--dp-broker",
            "--master-key", "--out");

    private static String synopsis() {
        CommandLine batch = SparkLauncher.commandLine().getSubcommands().get("batch");
        StringWriter out = new StringWriter();
        batch.usage(new PrintWriter(out));
        String help = out.toString().replaceAll("\\s+", " ");
        return help.substring(0, help.indexOf("[COMMAND]") + "[COMMAND]".length());   // the synopsis ends with the subcommands
    }

    @Test
    void usageLineMarksTheRequiredOptionsRequired() {
        String synopsis = synopsis();
        assertThat(synopsis).startsWith("Usage: veil batch ").endsWith("[COMMAND]");
        for (String option : REQUIRED) {
            assertThat(synopsis).as(synopsis).contains(" " + option + "=").doesNotContain("[" + option + "=");
        }
        assertThat(synopsis).contains("[--master=").contains("[--rows-per-run=");
    }

    @Test
    void eachOptionTheUsageLineRequiresIsDemanded() {
        for (String missing : REQUIRED) {
            List<String> args = new ArrayList<>(List.of("batch"));
            for (String option : REQUIRED) {
                if (!option.equals(missing)) {
                    args.add(option);
                    args.add("x");
                }
            }
            Parties.Run run = Parties.launcher(args.toArray(String[]::new));
            assertThat(run.exit()).isEqualTo(2);
            assertThat(run.err()).isEqualTo("veil: missing " + missing + " (see 'veil batch --help')" + System.lineSeparator());
        }
    }

    /** 'veil batch executor' without one of Spark's executor arguments: one line naming it, exit 2, before Spark starts. */
    @Test
    void theExecutorCommandDemandsSparksExecutorArguments() {
        Parties.Run run = Parties.launcher("batch", "executor", "--driver-url", "spark://CoarseGrainedScheduler@127.0.0.1:1",
                "--hostname", "127.0.0.1", "--cores", "1", "--app-id", "app");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).isEqualTo("veil: missing --executor-id: give the arguments a cluster manager gives Spark's executor "
                + "(see 'veil batch executor --help')" + System.lineSeparator());
    }
}
