package dev.veil.spark.cli;

import dev.veil.spark.job.ExecutorLaunch;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

@Command(name = "executor", mixinStandardHelpOptions = true,
        description = {"Run this JVM as a Spark executor of a 'veil batch' driver: the command of the executor image.",
                "Takes the arguments a cluster manager gives Spark's executor (--driver-url URL --executor-id ID --hostname",
                "HOST --cores N --app-id ID [--resourceProfileId N]) and Spark's connection settings as -Dspark.* JVM",
                "options, as Spark's executor does. Before it registers with the driver it checks that the driver's",
                "configuration ships no code (jars, files, plugins, agents), that it names a contract that verifies and the",
                "statement of an attested driver of that contract, and that this executor's Spark connections trust that",
                "driver's TLS certificate alone; a task that brings code with it ends the executor. Anything else: one line",
                "saying why, exit 2, and the executor never registers (docs/SCALE-OUT.md)."})
final class BatchExecutorCommand implements Callable<Integer> {
    /** Spark's executor arguments, as given: options of Spark's, not of this command, so picocli leaves them as they are. */
    @Unmatched
    List<String> sparkArguments = new ArrayList<>();

    /** The arguments Spark's executor cannot start without. */
    private static final List<String> REQUIRED = List.of("--driver-url", "--executor-id", "--hostname", "--cores", "--app-id");

    @Override
    public Integer call() throws Exception {
        for (String r : REQUIRED) {
            if (!sparkArguments.contains(r)) {
                throw new UsageError("missing " + r + ": give the arguments a cluster manager gives Spark's executor "
                        + "(see 'veil batch executor --help')");
            }
        }
        try {
            ExecutorLaunch.run(sparkArguments.toArray(String[]::new));
        } catch (ExecutorLaunch.Refused e) {
            throw new UsageError("this executor stopped: " + e.getMessage());
        }
        return 0;
    }
}
