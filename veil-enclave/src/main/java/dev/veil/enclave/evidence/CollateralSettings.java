package dev.veil.enclave.evidence;

import dev.veil.collateral.CollateralFetcher;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Where the enclave gets the collateral it ships with its evidence: the services (Intel PCS or a PCCS, AMD KDS), the
 * on-disk cache, and how often a background check looks for pieces past their nextUpdate.
 * @param snpProduct Milan, Genoa or Turin, for SNP reports older than v3 whose VCEK does not come with them; else null
 */
public record CollateralSettings(CollateralFetcher.Endpoints endpoints, Path cacheDir, String snpProduct, Duration refreshInterval) {
    public static final Duration DEFAULT_REFRESH = Duration.ofHours(1);

    /** Intel PCS and AMD KDS, cached in {@code workDir}/collateral. */
    public static CollateralSettings defaults(Path workDir) {
        return new CollateralSettings(CollateralFetcher.Endpoints.defaults(), workDir.resolve("collateral"), null, DEFAULT_REFRESH);
    }
}
