package dev.veil.spark.cli;

import dev.veil.protocol.json.Digests;
import dev.veil.spark.job.ExecutorInstance;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "measure", mixinStandardHelpOptions = true,
        description = {"Print the sim measurement of a batch executor or driver of this build (what the contract pins).",
                "It covers this launcher's class path (Spark included) and the Java runtime: executors must run the same jars."})
final class BatchMeasureCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;
    @Override
    public Integer call() {
        spec.commandLine().getOut().println(Digests.hex(ExecutorInstance.measurement()));
        return 0;
    }
}
