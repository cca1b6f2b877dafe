package dev.veil.enclave.evidence;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Platform;
import dev.veil.collateral.CollateralCache;
import dev.veil.collateral.CollateralFetcher;
import dev.veil.collateral.FetchedCollateral;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A platform's evidence source that also ships the platform's collateral (TDX/SGX: TCB Info, QE Identity, PCK CRL,
 * Root CA CRL; SNP: the VCEK unless the host's certificate table has it, and AMD's CRL) with every piece of evidence.
 * <p>
 * At start ({@link #probe()}) it takes one piece of evidence to learn what the platform needs (FMSPC, chip, TCB) and
 * fetches it, so a wrong service URL fails before any provider arrives. A background thread then looks again every
 * refresh interval and swaps in pieces past their nextUpdate; a provider's request only reads the current set. The
 * collateral is untrusted input for the providers, who check it to their pinned roots.
 */
public final class CollateralShippingSource implements EvidenceSource {
    private static final Logger LOG = LoggerFactory.getLogger(CollateralShippingSource.class);

    private final EvidenceSource platformSource;
    private final CollateralSettings settings;
    private final Clock clock;
    private CollateralFetcher fetcher;
    private final AtomicReference<FetchedCollateral> current = new AtomicReference<>();
    private Collected startupEvidence;
    private ScheduledExecutorService refresher;

    /** @param clock decides which cached pieces are past their nextUpdate */
    public CollateralShippingSource(EvidenceSource platformSource, CollateralSettings settings, Clock clock) {
        this.platformSource = platformSource;
        this.settings = settings;
        this.clock = clock;
    }

    /** Wraps {@code platformSource}; nothing is fetched or created on disk until {@link #probe()}. */
    public static CollateralShippingSource over(EvidenceSource platformSource, CollateralSettings settings) {
        return new CollateralShippingSource(platformSource, settings, Clock.systemUTC());
    }

    @Override
    public Platform platform() {
        return platformSource.platform();
    }

    /** Checks the platform interface, then fetches the collateral once (failing here, at start, if it cannot). */
    @Override
    public synchronized void probe() throws IOException {
        platformSource.probe();
        if (fetcher == null) {
            fetcher = new CollateralFetcher(settings.endpoints(), new CollateralCache(settings.cacheDir()), clock, false,
                    CollateralFetcher.WhenUnreachable.FAIL);
        }
        if (startupEvidence == null) {
            startupEvidence = platformSource.collect(new byte[64]);
        }
        refreshNow();
        if (refresher == null) {
            refresher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "veil-collateral-refresh");
                t.setDaemon(true);
                return t;
            });
            long every = settings.refreshInterval().toSeconds();
            refresher.scheduleWithFixedDelay(this::refreshInBackground, every, every, TimeUnit.SECONDS);
        }
    }

    @Override
    public Collected collect(byte[] reportData) throws IOException {
        FetchedCollateral fetched = current.get();
        if (fetched == null) {
            throw new IOException("the platform's collateral was never fetched; start the enclave through EnclaveServer.start");
        }
        Collected c = platformSource.collect(reportData);
        List<byte[]> all = new ArrayList<>(c.collateral());
        all.addAll(fetched.blobs());
        return new Collected(c.evidence(), all);
    }

    /** Fetches what is past its nextUpdate (the cache answers the rest) and makes it the set shipped from now on. */
    void refreshNow() throws IOException {
        Platform p = platformSource.platform();
        try {
            current.set(fetcher.fetchFor(p, startupEvidence.evidence(), settings.snpProduct(), startupEvidence.collateral()));
        } catch (AttestationException e) {
            throw new IOException("the platform's own evidence cannot be read to find its collateral: " + e.getMessage());
        }
    }

    private void refreshInBackground() {
        try {
            refreshNow();
        } catch (IOException | RuntimeException e) {
            LOG.warn("collateral refresh failed, still shipping the set valid until {}: {}",
                    current.get() == null ? "-" : current.get().nextUpdate().map(Object::toString).orElse("-"), e.getMessage());
        }
    }

    /** The set being shipped now. */
    FetchedCollateral current() {
        return current.get();
    }
}
