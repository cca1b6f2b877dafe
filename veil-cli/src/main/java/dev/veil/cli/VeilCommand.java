package dev.veil.cli;

import dev.veil.cli.demo.DemoCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "veil", mixinStandardHelpOptions = true, version = "veil 0.1.0",
        description = {"Confidential ML inference in a trusted execution environment.",
                "A model provider and a data provider seal their assets, verify the enclave, release keys only to it,",
                "and get back results only the data provider can read, with receipts and proof the model was discarded."},
        subcommands = {DemoCommand.class, SealCommand.class, UnsealCommand.class, KeygenCommand.class,
                ContractCommand.class, EnclaveCommand.class, JoinCommand.class, VerifyReceiptCommand.class, AttestCommand.class,
                CommandLine.HelpCommand.class})
public final class VeilCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static CommandLine commandLine() {
        return new CommandLine(new VeilCommand()).setExecutionExceptionHandler(new ExitCodes())
                .setParameterExceptionHandler((ex, args) -> {
                    // The qualified name ("veil contract draft"), not the last word ("draft"), so the hint can be pasted.
                    ex.getCommandLine().getErr().println("veil: " + ex.getMessage() + " (see '"
                            + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
                    return ExitCodes.INVALID;
                });
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
