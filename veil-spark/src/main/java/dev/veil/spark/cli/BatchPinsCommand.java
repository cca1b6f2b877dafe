package dev.veil.spark.cli;

import dev.veil.protocol.contract.ContractVerifier;
import dev.veil.protocol.contract.SignedContract;
import dev.veil.protocol.json.Json;
import dev.veil.spark.job.DriverAtStart;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "pins", mixinStandardHelpOptions = true,
        description = {"Print the environment an executor deployment pins.",
                "One line of JSON, {\"VEIL_BATCH_PROVIDERS\":\"<model provider>,<data provider>\",\"VEIL_BATCH_PLATFORM\":\"snp\"}:",
                "the providers' full fingerprints (64 hex digits each; the first 20 are the fingerprint 'veil keygen' and",
                "'veil contract show' print) and the contract's TEE. An executor started by 'veil batch executor' serves only a contract between",
                "those providers for that TEE, checked before it connects to its driver; 'veil batch' sets both through",
                "spark.executorEnv, and on hardware the deployment's policy (Confidential Containers) must pin them, so that",
                "the cluster manager cannot name others."})
final class BatchPinsCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;
    @Option(names = "--contract", required = true, description = "the signed batch contract")
    Path contract;

    @Override
    public Integer call() throws Exception {
        ContractVerifier.Verified verified = ContractVerifier.verify(SignedContract.read(contract), Instant.now());
        Map<String, String> pins = new LinkedHashMap<>();
        pins.put(DriverAtStart.PROVIDERS_ENVIRONMENT, DriverAtStart.providers(verified));
        pins.put(DriverAtStart.PLATFORM_ENVIRONMENT, DriverAtStart.platform(verified));
        spec.commandLine().getOut().println(Json.mapper().writeValueAsString(pins));
        return 0;
    }
}
