package dev.veil.cli;

import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.EnclaveServer;
import dev.veil.enclave.evidence.CodeMeasurement;
import dev.veil.protocol.json.Digests;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "enclave", mixinStandardHelpOptions = true,
        description = "Run the enclave side, or print the measurement a contract should pin.",
        subcommands = {EnclaveCommand.Run.class, EnclaveCommand.Measure.class})
final class EnclaveCommand {

    /** Settings shared by run and measure: the measured ones must match for the measurement to match. */
    static final class Settings {
        @Option(names = "--platform", defaultValue = "sim", description = "evidence platform (this build: sim)")
        String platform;
        @Option(names = "--batch-size", defaultValue = "256", description = "rows per inference call (measured)")
        int batchSize;
        @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime threads, 0 = all cores (measured)")
        int threads;
        @Option(names = "--work-dir", defaultValue = ".veil-work/enclave",
                description = "the enclave's own directory (ONNX Runtime native libraries; never plaintext)")
        Path workDir;
        @Option(names = "--party-timeout", defaultValue = "300", description = "seconds to wait for the second provider (measured)")
        long partyTimeout;

        EnclaveConfig config(String bind, int port) throws CliFailure {
            if (!platform.equals("sim")) {
                throw new CliFailure("platform '" + platform + "' cannot run an enclave in this build; use --platform sim");
            }
            EnclaveConfig d = EnclaveConfig.simDefaults(workDir);
            return new EnclaveConfig(platform, bind, port, workDir, batchSize, threads > 0 ? threads : d.intraOpThreads(),
                    d.maxModelBytes(), d.maxDatasetBytes(), Duration.ofSeconds(partyTimeout), false);
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true, description = "Listen for providers and run sessions until stopped.")
    static final class Run implements Callable<Integer> {
        @Mixin
        Settings settings;
        @Option(names = "--bind", defaultValue = "127.0.0.1", description = "address to listen on (default ${DEFAULT-VALUE})")
        String bind;
        @Option(names = "--port", defaultValue = "7443", description = "port (default ${DEFAULT-VALUE}; 0 = any free port)")
        int port;

        @Override
        public Integer call() throws Exception {
            EnclaveConfig cfg = settings.config(bind, port);
            try (EnclaveServer server = EnclaveServer.start(cfg, EnclaveServer.evidenceSourceFor(cfg))) {
                System.out.println(JsonOut.line(JsonOut.fields("listening", bind + ":" + server.port(), "platform", cfg.platform(),
                        "measurement", Digests.hex(CodeMeasurement.compute(cfg)))));
                CountDownLatch forever = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(forever::countDown));
                forever.await();
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "measure", mixinStandardHelpOptions = true,
            description = "Print the sim measurement of this build with these settings (what --measurement should pin).")
    static final class Measure implements Callable<Integer> {
        @Mixin
        Settings settings;

        @Override
        public Integer call() throws Exception {
            EnclaveConfig cfg = settings.config("127.0.0.1", 0);
            System.out.println(JsonOut.line(JsonOut.fields("platform", cfg.platform(),
                    "measurement", Digests.hex(CodeMeasurement.compute(cfg)), "settings", cfg.measuredSettings())));
            return ExitCodes.OK;
        }
    }
}
