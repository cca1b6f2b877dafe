package dev.veil.cli;

import dev.veil.attest.Platform;
import dev.veil.collateral.CollateralFetcher;
import dev.veil.enclave.EnclaveConfig;
import dev.veil.enclave.evidence.CollateralSettings;
import dev.veil.enclave.evidence.EvidenceSource;
import dev.veil.enclave.evidence.EvidenceSources;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * Where an enclave gets its evidence and the platform's collateral: the same options, defaults and meaning as
 * 'veil enclave run', for 'veil serve'. None of them is measured.
 */
final class EvidenceOptions {
    @Option(names = "--evidence-root", description = {"where the platform's interface lives, if not the standard place:",
            "configfs-tsm report dir (snp, tdx), Gramine /dev/attestation (sgx), /dev/nsm (nitro)"})
    Path evidenceRoot;
    @Option(names = "--certs", description = "certificates to send with the evidence (e.g. the SNP VCEK when /dev/sev-guest is used)")
    List<Path> certs = new ArrayList<>();
    @Option(names = "--pccs", defaultValue = "https://api.trustedservices.intel.com",
            description = "tdx, sgx: Intel PCS or your PCCS, for TCB Info, QE Identity and the PCK CRL (default ${DEFAULT-VALUE})")
    URI pccs;
    @Option(names = "--root-crl", defaultValue = "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der",
            description = "tdx, sgx: where the Intel SGX Root CA CRL is served (default ${DEFAULT-VALUE})")
    URI rootCrl;
    @Option(names = "--kds", defaultValue = "https://kdsintf.amd.com",
            description = "snp: AMD KDS, for the VCEK (when the host does not supply it) and AMD's CRL (default ${DEFAULT-VALUE})")
    URI kds;
    @Option(names = "--collateral-cache", description = "where fetched collateral is kept until its nextUpdate (default: <work-dir>/collateral)")
    Path collateralCache;
    @Option(names = "--snp-product", description = "snp: Milan, Genoa or Turin, when the report (before v3) does not name it")
    String snpProduct;

    /** The evidence source for {@code cfg}'s platform; on snp, tdx and sgx it ships the collateral it fetches. */
    EvidenceSource source(EnclaveConfig cfg) throws CliFailure, IOException {
        if (snpProduct != null && !List.of("milan", "genoa", "turin").contains(snpProduct.toLowerCase(Locale.ROOT))) {
            throw new CliFailure("--snp-product '" + snpProduct + "' is not one of Milan, Genoa, Turin");
        }
        List<byte[]> extra = new ArrayList<>();
        for (Path c : certs) {
            extra.add(Files.readAllBytes(UserPaths.input("--certs", c)));
        }
        if (cfg.platform() == Platform.SIM) {
            System.err.println(dev.veil.attest.Simulation.BANNER);
        }
        CollateralSettings collateral = new CollateralSettings(new CollateralFetcher.Endpoints(kds, pccs, rootCrl),
                collateralCache != null ? collateralCache : cfg.workDir().resolve("collateral"), snpProduct,
                CollateralSettings.DEFAULT_REFRESH);
        return EvidenceSources.forPlatform(cfg, evidenceRoot, extra, collateral);
    }
}
