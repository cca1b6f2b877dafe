package dev.veil.collateral;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Platform;
import dev.veil.attest.dcap.DcapQuote;
import dev.veil.attest.dcap.PckExtensions;
import dev.veil.attest.snp.SnpReport;
import dev.veil.attest.snp.TcbVersion;
import dev.veil.attest.x509.CertificateSet;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fetches the collateral a piece of evidence needs: for SNP the VCEK (unless the caller already holds the VCEK or
 * VLEK) and AMD's ARK-signed CRL from the Key Distribution Service; for TDX and SGX the TCB Info for the quote's
 * FMSPC, the QE Identity (TD_QE for TDX, QE for SGX) and the PCK CRL from Intel's Provisioning Certification Service
 * or a PCCS (same API), each with its issuer chain, plus the Intel SGX Root CA CRL. The PCK certificate chain itself
 * travels in the quote. Responses are cached on disk and reused until their own nextUpdate. What comes back is
 * untrusted input like any collateral: a verifier accepts it only if it chains to the pinned roots.
 */
public final class CollateralFetcher {
    /** Far above any real piece (Intel's CRLs and TCB Infos are kilobytes): a bound on what a wrong URL can make us hold. */
    static final int MAX_RESPONSE = 8 << 20;
    private static final Pattern AMD_SIGNER = Pattern.compile("SEV-(VLEK-)?(Milan|Genoa|Turin)");

    /** Where to fetch from. A PCCS URL can stand in for Intel's PCS. */
    public record Endpoints(URI amdKds, URI intelPcs, URI intelRootCrl) {
        public static final URI AMD_KDS = URI.create("https://kdsintf.amd.com");
        public static final URI INTEL_PCS = URI.create("https://api.trustedservices.intel.com");
        public static final URI INTEL_ROOT_CRL = URI.create("https://certificates.trustedservices.intel.com/IntelSGXRootCA.der");

        public static Endpoints defaults() {
            return new Endpoints(AMD_KDS, INTEL_PCS, INTEL_ROOT_CRL);
        }
    }

    /** What to do when a cached copy has passed its nextUpdate and the service cannot be reached. */
    public enum WhenUnreachable {
        /** Fail: for the enclave and providers, which need current collateral. */
        FAIL,
        /** Use the expired copy: for offline audits, where the verifier judges validity at a chosen time. */
        USE_EXPIRED_COPY
    }

    private final Endpoints endpoints;
    private final CollateralCache cache;
    private final Clock clock;
    private final boolean refresh;
    private final WhenUnreachable whenUnreachable;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(15))
            .followRedirects(HttpClient.Redirect.NORMAL).build();

    public CollateralFetcher(Endpoints endpoints, CollateralCache cache, Clock clock, boolean refresh, WhenUnreachable whenUnreachable) {
        this.endpoints = endpoints;
        this.cache = cache;
        this.clock = clock;
        this.refresh = refresh;
        this.whenUnreachable = whenUnreachable;
    }

    /** For {@code veil attest verify --fetch}: an offline-friendly fetcher over the cache in {@code cacheDir}. */
    public CollateralFetcher(Endpoints endpoints, Path cacheDir, boolean refresh) throws IOException {
        this(endpoints, new CollateralCache(cacheDir), Clock.systemUTC(), refresh, WhenUnreachable.USE_EXPIRED_COPY);
    }

    /**
     * The collateral for {@code evidence} on {@code platform}; {@code snpProduct} (Milan, Genoa, Turin) is needed for
     * SNP reports older than version 3, which do not carry their CPU family.
     */
    public List<byte[]> fetch(Platform platform, byte[] evidence, String snpProduct) throws IOException, AttestationException {
        return fetchFor(platform, evidence, snpProduct, List.of()).blobs();
    }

    /**
     * As {@link #fetch}, knowing the certificates that already came with the evidence ({@code held}): an SNP VCEK or
     * VLEK there is not fetched again, and its issuer names the product when the report does not.
     */
    public FetchedCollateral fetchFor(Platform platform, byte[] evidence, String snpProduct, List<byte[]> held)
            throws IOException, AttestationException {
        return switch (platform) {
            case SEV_SNP -> snp(evidence, snpProduct, held);
            case TDX, SGX -> dcap(platform, evidence);
            default -> FetchedCollateral.none();
        };
    }

    private FetchedCollateral snp(byte[] evidence, String productHint, List<byte[]> held) throws IOException, AttestationException {
        SnpReport r = SnpReport.parse(evidence);
        boolean vlek = r.signingKey() != SnpReport.SIGNING_KEY_VCEK;
        List<X509Certificate> heldCerts = held.stream().flatMap(b -> CertificateSet.parseAll(b).stream()).toList();
        Optional<X509Certificate> endorsement = heldCerts.stream()
                .filter(c -> CertificateSet.commonName(c).equals(vlek ? "SEV-VLEK" : "SEV-VCEK")).findFirst();
        String product = productHint != null ? capitalise(productHint) : productFromCpuid(r)
                .or(() -> endorsement.flatMap(CollateralFetcher::productFromIssuer))
                .orElseThrow(() -> new IOException("report version " + r.version() + " does not name its CPU; pass --snp-product Milan, Genoa or Turin"));
        List<FetchedCollateral.Item> out = new ArrayList<>();
        if (endorsement.isEmpty()) {
            if (vlek) {
                throw new IOException("this report is signed by a VLEK, which AMD does not publish; get it from the cloud "
                        + "provider and pass it with --certs");
            }
            boolean turin = product.equals("Turin");
            TcbVersion tcb = TcbVersion.decode(r.reportedTcb(), turin);
            byte[] hwid = turin ? java.util.Arrays.copyOf(r.chipId(), 8) : r.chipId();
            String query = "blSPL=" + tcb.bootloader() + "&teeSPL=" + tcb.tee() + "&snpSPL=" + tcb.snp() + "&ucodeSPL=" + tcb.microcode()
                    + (turin ? "&fmcSPL=" + tcb.fmc() : "");
            out.add(get(endpoints.amdKds().resolve("/vcek/v1/" + product + "/" + HexFormat.of().formatHex(hwid) + "?" + query),
                    CollateralKind.ENDORSEMENT_KEY));
        }
        out.add(get(endpoints.amdKds().resolve("/" + (vlek ? "vlek" : "vcek") + "/v1/" + product + "/crl"), CollateralKind.AMD_CRL));
        return new FetchedCollateral(out);
    }

    private static Optional<String> productFromCpuid(SnpReport r) {
        if (r.version() < 3 || r.cpuidFamily() == 0) {
            return Optional.empty();
        }
        if (r.cpuidFamily() == 0x1A) {
            return Optional.of("Turin");
        }
        if (r.cpuidFamily() == 0x19) {
            return Optional.of(r.cpuidModel() >= 0x10 ? "Genoa" : "Milan");
        }
        return Optional.empty();
    }

    /** The product from the VCEK's or VLEK's issuer (SEV-Milan, SEV-VLEK-Genoa, …). */
    private static Optional<String> productFromIssuer(X509Certificate endorsement) {
        Matcher m = AMD_SIGNER.matcher(endorsement.getIssuerX500Principal().getName());
        return m.find() ? Optional.of(m.group(2)) : Optional.empty();
    }

    private FetchedCollateral dcap(Platform platform, byte[] evidence) throws IOException, AttestationException {
        DcapQuote q = DcapQuote.parse(evidence);
        X509Certificate pck = CertificateSet.parseAll(q.certData()).stream()
                .filter(c -> CertificateSet.commonName(c).equals("Intel SGX PCK Certificate")).findFirst()
                .orElseThrow(() -> new IOException("the quote carries no PCK certificate, so its FMSPC is unknown; fetch the "
                        + "PCK certificate from Intel PCS with the platform's PPID and pass it with --certs"));
        PckExtensions ext = PckExtensions.of(pck);
        String caType = pck.getIssuerX500Principal().getName().contains("Processor") ? "processor" : "platform";
        String tee = platform == Platform.TDX ? "tdx" : "sgx";
        URI pcs = endpoints.intelPcs();
        return new FetchedCollateral(List.of(
                get(pcs.resolve("/" + tee + "/certification/v4/tcb?fmspc=" + ext.fmspc().toUpperCase(Locale.ROOT)), CollateralKind.TCB_INFO),
                get(pcs.resolve("/" + tee + "/certification/v4/qe/identity"), CollateralKind.QE_IDENTITY),
                get(pcs.resolve("/sgx/certification/v4/pckcrl?ca=" + caType + "&encoding=der"), CollateralKind.PCK_CRL),
                get(endpoints.intelRootCrl(), CollateralKind.ROOT_CA_CRL)));
    }

    /** One piece: from the cache while it is current, else from the service (and then into the cache). */
    private FetchedCollateral.Item get(URI uri, CollateralKind kind) throws IOException {
        Optional<CollateralCache.Entry> cached = cache.read(uri);
        Optional<FetchedCollateral.Item> usable = Optional.empty();
        if (cached.isPresent()) {
            try {
                usable = Optional.of(item(kind, cached.get()));
            } catch (IOException damaged) {
                usable = Optional.empty();   // not this kind after all: fetch it again
            }
        }
        if (usable.isPresent() && !refresh && usable.get().nextUpdate().isAfter(clock.instant())) {
            return usable.get();
        }
        CollateralCache.Entry fresh;
        try {
            fresh = download(uri, kind);
        } catch (IOException unreachable) {
            if (usable.isPresent() && whenUnreachable == WhenUnreachable.USE_EXPIRED_COPY) {
                return usable.get();
            }
            throw unreachable;
        }
        FetchedCollateral.Item item;
        try {
            item = item(kind, fresh);
        } catch (IOException wrongKind) {
            throw new IOException(uri + " did not answer with a " + kind.label() + ": " + wrongKind.getMessage()
                    + "; check the service URL");
        }
        cache.write(uri, new CollateralCache.Entry(item.body(), item.issuerChain()));
        return item;
    }

    private static FetchedCollateral.Item item(CollateralKind kind, CollateralCache.Entry e) throws IOException {
        CollateralKind.Current c = kind.read(e.body());
        return new FetchedCollateral.Item(kind, c.body(), e.issuerChain(), c.nextUpdate());
    }

    private CollateralCache.Entry download(URI uri, CollateralKind kind) throws IOException {
        HttpResponse<java.io.InputStream> resp;
        byte[] body;
        try {
            resp = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            try (java.io.InputStream in = resp.body()) {
                body = in.readNBytes(MAX_RESPONSE + 1);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + uri);
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException("cannot fetch " + uri + " (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                    + "); check the URL and that the service is reachable");
        }
        if (resp.statusCode() != 200) {
            throw new IOException("fetching " + uri + " returned HTTP " + resp.statusCode());
        }
        if (body.length > MAX_RESPONSE) {
            throw new IOException(uri + " answered with more than " + MAX_RESPONSE / (1 << 20) + " MiB, far more than any collateral; check the URL");
        }
        Optional<byte[]> issuer = kind.issuerChainHeader() == null ? Optional.empty() : resp.headers().firstValue(kind.issuerChainHeader())
                .map(v -> URLDecoder.decode(v, StandardCharsets.UTF_8).getBytes(StandardCharsets.US_ASCII));
        return new CollateralCache.Entry(body, issuer);
    }

    private static String capitalise(String s) {
        return s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
    }
}
