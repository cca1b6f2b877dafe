package dev.veil.provider.collateral;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Fetches the collateral a piece of evidence needs, when the user asks for it: the VCEK from AMD's Key Distribution
 * Service, and TCB Info, QE Identity and CRLs from Intel's Provisioning Certification Service (or a PCCS, which serves
 * the same API). Responses are cached on disk by URL, so repeat verifications are offline. What comes back is
 * untrusted input like any collateral: the verifier accepts it only if it chains to the pinned roots.
 */
public final class CollateralFetcher {
    /** Where to fetch from. A PCCS URL can stand in for Intel's PCS. */
    public record Endpoints(URI amdKds, URI intelPcs, URI intelRootCrl) {
        public static Endpoints defaults() {
            return new Endpoints(URI.create("https://kdsintf.amd.com"), URI.create("https://api.trustedservices.intel.com"),
                    URI.create("https://certificates.trustedservices.intel.com/IntelSGXRootCA.der"));
        }
    }

    private final Endpoints endpoints;
    private final Path cache;
    private final boolean refresh;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(15))
            .followRedirects(HttpClient.Redirect.NORMAL).build();

    public CollateralFetcher(Endpoints endpoints, Path cache, boolean refresh) {
        this.endpoints = endpoints;
        this.cache = cache;
        this.refresh = refresh;
    }

    /**
     * The collateral for {@code evidence} on {@code platform}; {@code snpProduct} (Milan, Genoa, Turin) is needed for
     * SNP reports older than version 3, which do not carry their CPU family.
     */
    public List<byte[]> fetch(Platform platform, byte[] evidence, String snpProduct) throws IOException, AttestationException {
        return switch (platform) {
            case SEV_SNP -> vcek(evidence, snpProduct);
            case TDX, SGX -> dcap(platform, evidence);
            default -> List.of();
        };
    }

    private List<byte[]> vcek(byte[] evidence, String productHint) throws IOException, AttestationException {
        SnpReport r = SnpReport.parse(evidence);
        if (r.signingKey() != SnpReport.SIGNING_KEY_VCEK) {
            throw new IOException("this report is signed by a VLEK, which AMD does not publish; get it from the cloud "
                    + "provider and pass it with --certs");
        }
        String product = productHint != null ? productHint : productFromCpuid(r)
                .orElseThrow(() -> new IOException("report version " + r.version() + " does not name its CPU; pass --snp-product Milan, Genoa or Turin"));
        boolean turin = product.equalsIgnoreCase("Turin");
        TcbVersion tcb = TcbVersion.decode(r.reportedTcb(), turin);
        byte[] hwid = turin ? java.util.Arrays.copyOf(r.chipId(), 8) : r.chipId();
        String query = "blSPL=" + tcb.bootloader() + "&teeSPL=" + tcb.tee() + "&snpSPL=" + tcb.snp() + "&ucodeSPL=" + tcb.microcode()
                + (turin ? "&fmcSPL=" + tcb.fmc() : "");
        URI uri = endpoints.amdKds().resolve("/vcek/v1/" + capitalise(product) + "/" + HexFormat.of().formatHex(hwid) + "?" + query);
        return List.of(get(uri, null).body());
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

    private List<byte[]> dcap(Platform platform, byte[] evidence) throws IOException, AttestationException {
        DcapQuote q = DcapQuote.parse(evidence);
        X509Certificate pck = CertificateSet.parseAll(q.certData()).stream()
                .filter(c -> CertificateSet.commonName(c).equals("Intel SGX PCK Certificate")).findFirst()
                .orElseThrow(() -> new IOException("the quote carries no PCK certificate, so its FMSPC is unknown; fetch the "
                        + "PCK certificate from Intel PCS with the platform's PPID and pass it with --certs"));
        PckExtensions ext = PckExtensions.of(pck);
        String caType = pck.getIssuerX500Principal().getName().contains("Processor") ? "processor" : "platform";
        String tee = platform == Platform.TDX ? "tdx" : "sgx";
        List<byte[]> out = new ArrayList<>();
        Fetched tcb = get(endpoints.intelPcs().resolve("/" + tee + "/certification/v4/tcb?fmspc=" + ext.fmspc().toUpperCase(Locale.ROOT)),
                "TCB-Info-Issuer-Chain");
        Fetched qe = get(endpoints.intelPcs().resolve("/" + tee + "/certification/v4/qe/identity"), "SGX-Enclave-Identity-Issuer-Chain");
        Fetched crl = get(endpoints.intelPcs().resolve("/sgx/certification/v4/pckcrl?ca=" + caType + "&encoding=der"), "SGX-PCK-CRL-Issuer-Chain");
        Fetched root = get(endpoints.intelRootCrl(), null);
        for (Fetched f : List.of(tcb, qe, crl, root)) {
            out.add(f.body());
            f.chain().ifPresent(out::add);
        }
        return out;
    }

    /** A response body and, when the service sends one, the issuer chain from its header (URL-encoded PEM). */
    private record Fetched(byte[] body, Optional<byte[]> chain) {
    }

    private Fetched get(URI uri, String chainHeader) throws IOException {
        Files.createDirectories(cache);
        String key = key(uri);
        Path body = cache.resolve(key + ".body");
        Path chain = cache.resolve(key + ".chain");
        if (!refresh && Files.exists(body)) {
            return new Fetched(Files.readAllBytes(body), Files.exists(chain) ? Optional.of(Files.readAllBytes(chain)) : Optional.empty());
        }
        HttpResponse<byte[]> resp;
        try {
            resp = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + uri);
        } catch (IOException e) {
            throw new IOException("cannot fetch " + uri + " (" + e.getMessage() + "); supply the collateral with --collateral instead");
        }
        if (resp.statusCode() != 200) {
            throw new IOException("fetching " + uri + " returned HTTP " + resp.statusCode());
        }
        Optional<byte[]> issuer = chainHeader == null ? Optional.empty() : resp.headers().firstValue(chainHeader)
                .map(v -> URLDecoder.decode(v, StandardCharsets.UTF_8).getBytes(StandardCharsets.US_ASCII));
        dev.veil.seal.io.AtomicOutput.write(body, resp.body(), false);
        if (issuer.isPresent()) {
            dev.veil.seal.io.AtomicOutput.write(chain, issuer.get(), false);
        }
        return new Fetched(resp.body(), issuer);
    }

    private static String key(URI uri) {
        return dev.veil.protocol.json.Digests.hex(dev.veil.protocol.json.Digests.sha256(uri.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private static String capitalise(String s) {
        return s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
    }
}
