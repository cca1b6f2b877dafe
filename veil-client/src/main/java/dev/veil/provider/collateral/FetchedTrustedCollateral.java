package dev.veil.provider.collateral;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Platform;
import dev.veil.collateral.CollateralFetcher;
import dev.veil.provider.TrustedCollateral;
import java.io.IOException;
import java.util.List;

/**
 * The provider's own collateral from Intel PCS/PCCS or AMD KDS, through its cache: what {@code veil join --fetch}
 * uses. A fetch that fails stops the session before any key is released.
 */
public final class FetchedTrustedCollateral implements TrustedCollateral {
    private final CollateralFetcher fetcher;
    private final String snpProduct;

    /** @param snpProduct Milan, Genoa or Turin for SNP reports older than v3 that come without their VCEK; else null */
    public FetchedTrustedCollateral(CollateralFetcher fetcher, String snpProduct) {
        this.fetcher = fetcher;
        this.snpProduct = snpProduct;
    }

    @Override
    public List<byte[]> forEvidence(Platform platform, byte[] evidence, List<byte[]> fromHost) throws IOException, AttestationException {
        try {
            return fetcher.fetchFor(platform, evidence, snpProduct, fromHost).blobs();
        } catch (IOException e) {
            throw new Unavailable(e.getMessage());
        }
    }

    /** The provider's own collateral could not be had: nothing was released, and the reason is the user's to fix. */
    public static final class Unavailable extends IOException {
        private static final long serialVersionUID = 1L;

        public Unavailable(String reason) {
            super("cannot get your own collateral for the enclave's evidence: " + reason);
        }
    }
}
