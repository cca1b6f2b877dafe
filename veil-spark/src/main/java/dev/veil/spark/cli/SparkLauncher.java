package dev.veil.spark.cli;

import dev.veil.protocol.text.TerminalText;
import dev.veil.protocol.json.ProtocolException;
import dev.veil.seal.SealException;
import dev.veil.tensor.TensorFormatException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The batch launcher: {@code veil batch} and {@code veil seal --format parquet}, which the {@code veil} script hands
 * to this jar. Spark, Hadoop and Parquet stay off the enclave CLI's class path (the sim measurement hashes every entry
 * of it, and its start-up would pay for them); this jar's class path is what executors run, and what
 * {@code veil batch measure} measures. Exit codes as the CLI's: 0, 1 internal, 2 bad input or refused.
 */
@Command(name = "veil", subcommands = {BatchCommand.class, SealParquetCommand.class},
        description = "Batch inference on Apache Spark over encrypted Parquet.")
public final class SparkLauncher implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        SparkQuietLogging.install(System.getenv("VEIL_DEBUG") != null);
        CommandLine root = new CommandLine(new SparkLauncher());
        reflow(root);
        RequiredOptions.showInSynopsis(root.getSubcommands().get("batch"), "--contract", "--model", "--data", "--mp-broker",
                "--dp-broker", "--master-key", "--out");
        return root
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    if (e instanceof UsageError || e instanceof ProtocolException || e instanceof SealException
                            || e instanceof TensorFormatException || e instanceof java.nio.file.NoSuchFileException) {
                        cmd.getErr().println("veil: " + oneLine(e.getMessage()));
                        return 2;
                    }
                    cmd.getErr().println("veil: internal error (" + e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : ": " + oneLine(e.getMessage())) + "); please report it with the command you ran");
                    if (System.getenv("VEIL_DEBUG") != null) {
                        e.printStackTrace(cmd.getErr());
                    }
                    return 1;
                })
                .setParameterExceptionHandler((ex, args) -> {
                    ex.getCommandLine().getErr().println("veil: " + oneLine(ex.getMessage()) + " (see '"
                            + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
                    return 2;
                });
    }

    /**
     * Description lines are source lines, not output lines: a command's lines after its summary sentence, and an
     * option's lines, become one paragraph each, which picocli wraps to the usage width instead of breaking every long
     * source line in two.
     */
    private static void reflow(CommandLine c) {
        CommandLine.Model.UsageMessageSpec usage = c.getCommandSpec().usageMessage();
        String[] lines = usage.description();
        if (lines.length > 2) {
            usage.description(lines[0], String.join(" ", java.util.Arrays.copyOfRange(lines, 1, lines.length)));
        }
        for (CommandLine.Model.OptionSpec o : new java.util.ArrayList<>(c.getCommandSpec().options())) {
            if (o.description().length > 1) {
                c.getCommandSpec().remove(o);
                c.getCommandSpec().addOption(o.toBuilder().description(String.join(" ", o.description())).build());
            }
        }
        c.getSubcommands().values().stream().distinct().forEach(SparkLauncher::reflow);
    }

    private static String oneLine(String s) {
        return s == null ? "" : TerminalText.escape(s);   // a peer's text (a broker's refusal) forges no line, rewrites no screen
    }

    public static void main(String[] args) {
        // before Log4j starts: it would read its configuration from these
        java.util.Optional<String> log4j = LoggingConfiguration.givenFromOutside(System.getProperties(), System.getenv());
        if (log4j.isPresent()) {
            System.err.println("veil: " + log4j.get() + " configures Log4j: the batch launcher's logging is its own "
                    + "(set VEIL_DEBUG for Spark's detail); unset it");
            System.exit(2);
        }
        System.exit(commandLine().execute(args));
    }
}
