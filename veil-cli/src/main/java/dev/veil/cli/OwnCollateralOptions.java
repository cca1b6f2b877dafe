package dev.veil.cli;

import dev.veil.collateral.CollateralCache;
import dev.veil.collateral.CollateralFetcher;
import dev.veil.provider.TrustedCollateral;
import dev.veil.provider.collateral.FetchedTrustedCollateral;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import picocli.CommandLine.Option;

/**
 * A provider's own collateral ({@code veil join}, {@code veil broker}, {@code veil infer}, {@code veil provision}): files it holds, and collateral it fetches for
 * each piece of evidence from Intel PCS/PCCS or AMD KDS through its cache; both trusted over the copy the enclave's host
 * ships with its evidence.
 */
final class OwnCollateralOptions {
    @Option(names = "--collateral", description = {"directory of your own collateral files (TCB Info, QE Identity, CRLs, VCEK),",
            "recognised by content; trusted over the copy the enclave's host sends"})
    Path collateral;
    @Option(names = "--fetch", description = "fetch your own collateral for the enclave's evidence from Intel PCS / AMD KDS"
            + " (or --pccs / --kds, which imply it), cached in --collateral-cache")
    boolean fetch;
    @Option(names = "--pccs", description = "tdx, sgx: your PCCS, or Intel PCS (the default with --fetch)")
    URI pccs;
    @Option(names = "--root-crl", description = "tdx, sgx: where to fetch the Intel SGX Root CA CRL (default Intel's)")
    URI rootCrl;
    @Option(names = "--kds", description = "snp: AMD KDS or a mirror (the default with --fetch: AMD's)")
    URI kds;
    @Option(names = "--collateral-cache", description = "fetched collateral cache (default ~/.cache/veil/collateral)")
    Path collateralCache;
    @Option(names = "--snp-product", description = "snp: Milan, Genoa or Turin, for reports before v3 without their VCEK")
    String snpProduct;

    List<byte[]> files() throws CliFailure, IOException {
        List<byte[]> blobs = new ArrayList<>();
        if (collateral == null) {
            return blobs;
        }
        if (!Files.isDirectory(collateral)) {
            throw new CliFailure("--collateral " + collateral + " is not a directory");
        }
        try (Stream<Path> files = Files.walk(collateral, 2)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                blobs.add(Files.readAllBytes(f));
            }
        }
        return blobs;
    }

    /**
     * Both kinds as one {@link TrustedCollateral}: the files of {@code --collateral} for any evidence, and what
     * {@code --fetch} fetches for it (for a client that takes one, {@code veil infer} and {@code veil provision}).
     */
    TrustedCollateral trusted() throws CliFailure, IOException {
        List<byte[]> files = files();
        TrustedCollateral fetched = fetcher();
        return (platform, evidence, fromHost) -> {
            List<byte[]> own = new ArrayList<>(files);
            own.addAll(fetched.forEvidence(platform, evidence, fromHost));
            return own;
        };
    }

    TrustedCollateral fetcher() throws CliFailure {
        if (!fetch && pccs == null && kds == null && rootCrl == null) {
            return TrustedCollateral.NONE;
        }
        if (snpProduct != null && !List.of("milan", "genoa", "turin").contains(snpProduct.toLowerCase(Locale.ROOT))) {
            throw new CliFailure("--snp-product '" + snpProduct + "' is not one of Milan, Genoa, Turin");
        }
        CollateralFetcher.Endpoints d = CollateralFetcher.Endpoints.defaults();
        Path cache = collateralCache != null ? collateralCache
                : Path.of(System.getProperty("user.home"), ".cache", "veil", "collateral");
        try {
            return new FetchedTrustedCollateral(new CollateralFetcher(new CollateralFetcher.Endpoints(kds != null ? kds : d.amdKds(),
                    pccs != null ? pccs : d.intelPcs(), rootCrl != null ? rootCrl : d.intelRootCrl()),
                    new CollateralCache(cache), Clock.systemUTC(), false,
                    CollateralFetcher.WhenUnreachable.FAIL), snpProduct);
        } catch (IOException e) {
            throw new CliFailure(e.getMessage());
        }
    }
}
