package dev.veil.spark.cli;

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
        return new CommandLine(new SparkLauncher())
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

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("[\\p{Cntrl}]", " ");
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
