package dev.veil.cli;

import dev.veil.attest.Platform;
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
        @Option(names = "--platform", defaultValue = "sim",
                description = "sim (INSECURE simulation), snp, tdx, sgx (Gramine) or nitro (default ${DEFAULT-VALUE})")
        String platform;
        @Option(names = "--batch-size", defaultValue = "256", description = "rows per inference call (measured)")
        int batchSize;
        @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime threads, 0 = all cores (measured)")
        int threads;
        @Option(names = "--work-dir", defaultValue = ".veil-work/enclave",
                description = "the enclave's own directory (collateral cache, ONNX Runtime scratch; never plaintext)")
        Path workDir;
        @Option(names = "--party-timeout", defaultValue = "300", description = "seconds to wait for the second provider (measured)")
        long partyTimeout;

        EnclaveConfig config(String bind, int port) throws CliFailure {
            Platform p;
            try {
                p = Platform.fromId(platform);
            } catch (IllegalArgumentException e) {
                throw new CliFailure("--platform '" + platform + "' is not one of sim, snp, tdx, sgx, nitro");
            }
            // checked here, by option, so a mistake names what the user typed; EnclaveConfig checks the same for SDK callers
            requireRange("--port", port, 0, 65_535);
            requireRange("--batch-size", batchSize, 1, Integer.MAX_VALUE);
            requireRange("--threads", threads, 0, Integer.MAX_VALUE);
            requireRange("--party-timeout", partyTimeout, 1, Duration.ofDays(7).toSeconds());
            EnclaveConfig d = EnclaveConfig.simDefaults(workDir);
            return new EnclaveConfig(p, bind, port, workDir, batchSize, threads > 0 ? threads : EnclaveConfig.ALL_CORES,
                    d.maxModelBytes(), d.maxDatasetBytes(), Duration.ofSeconds(partyTimeout), false);
        }
    }

    static void requireRange(String option, long value, long min, long max) throws CliFailure {
        if (value < min || value > max) {
            throw new CliFailure(option + " " + value + " is out of range: give " + min + " to " + max);
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
        @Option(names = "--evidence-root", description = {"where the platform's interface lives, if not the standard place:",
                "configfs-tsm report dir (snp, tdx), Gramine /dev/attestation (sgx), /dev/nsm (nitro)"})
        Path evidenceRoot;
        @Option(names = "--certs", description = "certificates to send with the evidence (e.g. the SNP VCEK when /dev/sev-guest is used)")
        java.util.List<Path> certs = new java.util.ArrayList<>();
        @Option(names = "--pccs", defaultValue = "https://api.trustedservices.intel.com",
                description = "tdx, sgx: Intel PCS or your PCCS, for TCB Info, QE Identity and the PCK CRL (default ${DEFAULT-VALUE})")
        java.net.URI pccs;
        @Option(names = "--root-crl", defaultValue = "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der",
                description = "tdx, sgx: where the Intel SGX Root CA CRL is served (default ${DEFAULT-VALUE})")
        java.net.URI rootCrl;
        @Option(names = "--kds", defaultValue = "https://kdsintf.amd.com",
                description = "snp: AMD KDS, for the VCEK (when the host does not supply it) and AMD's CRL (default ${DEFAULT-VALUE})")
        java.net.URI kds;
        @Option(names = "--collateral-cache", description = "where fetched collateral is kept until its nextUpdate (default: <work-dir>/collateral)")
        Path collateralCache;
        @Option(names = "--snp-product", description = "snp: Milan, Genoa or Turin, when the report (before v3) does not name it")
        String snpProduct;

        @Override
        public Integer call() throws Exception {
            EnclaveConfig cfg = settings.config(bind, port);
            if (snpProduct != null && !java.util.List.of("milan", "genoa", "turin").contains(snpProduct.toLowerCase(java.util.Locale.ROOT))) {
                throw new CliFailure("--snp-product '" + snpProduct + "' is not one of Milan, Genoa, Turin");
            }
            java.util.List<byte[]> extra = new java.util.ArrayList<>();
            for (Path c : certs) {
                extra.add(java.nio.file.Files.readAllBytes(c));
            }
            if (cfg.platform() == Platform.SIM) {
                System.err.println(dev.veil.attest.Simulation.BANNER);
            }
            var collateral = new dev.veil.enclave.evidence.CollateralSettings(
                    new dev.veil.collateral.CollateralFetcher.Endpoints(kds, pccs, rootCrl),
                    collateralCache != null ? collateralCache : cfg.workDir().resolve("collateral"), snpProduct,
                    dev.veil.enclave.evidence.CollateralSettings.DEFAULT_REFRESH);
            EnclaveServer started;
            try {
                // On snp, tdx and sgx this fetches the platform's collateral first: a wrong URL fails here, not at a provider.
                started = EnclaveServer.start(cfg, () -> dev.veil.enclave.evidence.EvidenceSources.forPlatform(cfg, evidenceRoot, extra, collateral));
            } catch (java.io.IOException e) {
                throw new CliFailure("cannot start the enclave on " + cfg.platform() + ": " + e.getMessage());
            }
            try (EnclaveServer server = started) {
                System.out.println(JsonOut.line(JsonOut.fields("listening", bind + ":" + server.port(), "platform", cfg.platform(),
                        "measurement", cfg.platform() == Platform.SIM ? Digests.hex(CodeMeasurement.compute(cfg))
                                : "reported by the hardware in each piece of evidence")));
                CountDownLatch forever = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(forever::countDown));
                forever.await();
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "measure", mixinStandardHelpOptions = true,
            description = {"Print the sim measurement of this build with these settings (what --measurement should pin).",
                    "On real platforms the measurement is the launch digest of the VM or enclave image (docs/DEPLOYMENT.md)."})
    static final class Measure implements Callable<Integer> {
        @Mixin
        Settings settings;
        @Option(names = "--tdx-guest", defaultValue = "/dev/tdx_guest", description = "TDX: the guest device to read the TDREPORT from")
        Path tdxGuest;

        @Override
        public Integer call() throws Exception {
            EnclaveConfig cfg = settings.config("127.0.0.1", 0);
            if (cfg.platform() == Platform.TDX) {
                // Inside a TD: its own TDREPORT names MRTD and RTMRs (local, MAC'd — for the operator, not for providers).
                try {
                    var m = dev.veil.enclave.evidence.TdxGuestReport.measurements(dev.veil.enclave.evidence.TdxGuestReport.read(
                            tdxGuest, dev.veil.enclave.evidence.DeviceIoctl.LIBC, new byte[64]));
                    var out = JsonOut.fields("platform", "tdx", "source", tdxGuest + " TDREPORT (local; pin after review)");
                    out.putAll(m);
                    System.out.println(JsonOut.line(out));
                    return ExitCodes.OK;
                } catch (java.io.IOException e) {
                    throw new CliFailure(e.getMessage());
                }
            }
            if (cfg.platform() != Platform.SIM) {
                throw new CliFailure("on " + cfg.platform() + " the measurement comes from the hardware: compute it from the "
                        + "image you deploy (see docs/DEPLOYMENT.md), or read it with 'veil attest verify' from one piece of evidence");
            }
            System.out.println(JsonOut.line(JsonOut.fields("platform", cfg.platform(),
                    "measurement", Digests.hex(CodeMeasurement.compute(cfg)), "settings", cfg.measuredSettings())));
            return ExitCodes.OK;
        }
    }
}
