package dev.veil.cli;

import dev.veil.protocol.text.TerminalText;
import dev.veil.cli.demo.DemoCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "veil", mixinStandardHelpOptions = true, version = "veil 0.1.0",
        description = {"Confidential ML inference in a trusted execution environment.",
                "A model provider and a data provider seal their assets, verify the enclave and release keys only to",
                "it. Only the data provider can read the results; both get signed receipts, the model provider's saying",
                "the model was discarded. Start with 'veil demo'; every command has --help."},
        // 'veil batch' runs its own launcher (Spark stays off this class path, which the sim measurement hashes), so
        // picocli cannot list it among the commands: said here, or a new user never finds batch on Spark.
        footer = {"", "Batch on Apache Spark over encrypted Parquet ('veil batch', 'veil batch open', 'veil batch measure',",
                "'veil seal --format parquet') runs its own launcher, which ./veil starts: see 'veil batch --help'."},
        subcommands = {DemoCommand.class, SealCommand.class, UnsealCommand.class, KeygenCommand.class,
                ContractCommand.class, EnclaveCommand.class, JoinCommand.class, VerifyReceiptCommand.class, AttestCommand.class,
                ServeCommand.class, ProvisionCommand.class, InferCommand.class, RetireCommand.class, LogCommand.class,
                BrokerCommand.class,
                CommandLine.HelpCommand.class})
public final class VeilCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        CommandLine root = new CommandLine(new VeilCommand());
        reflow(root);
        return root.setExecutionExceptionHandler(new ExitCodes())
                .setParameterExceptionHandler((ex, args) -> {
                    // The qualified name ("veil contract draft"), not the last word ("draft"), so the hint can be pasted.
                    ex.getCommandLine().getErr().println("veil: " + TerminalText.escape(ex.getMessage()) + " (see '"
                            + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
                    return ExitCodes.INVALID;
                });
    }

    /**
     * Description lines are source lines, not output lines: after the summary sentence (the one 'veil --help' lists)
     * they become one paragraph, which picocli wraps to the usage width instead of breaking each long line in two.
     */
    private static void reflow(CommandLine c) {
        CommandLine.Model.UsageMessageSpec usage = c.getCommandSpec().usageMessage();
        String[] lines = usage.description();
        if (lines.length > 2) {
            usage.description(lines[0], String.join(" ", java.util.Arrays.copyOfRange(lines, 1, lines.length)));
        }
        c.getSubcommands().values().stream().distinct().forEach(VeilCommand::reflow);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
