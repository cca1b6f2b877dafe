package dev.veil.collateral;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CRLException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;

/**
 * The kinds of collateral a service hands out, each with the one thing the cache needs from it: until when it is
 * current (its own {@code nextUpdate}, or a certificate's {@code notAfter}). Reading that date also checks that a
 * response is the kind asked for, so a PCCS URL that answers with an HTML page fails at once, not at a provider.
 * This is not verification: what is fetched stays untrusted until a verifier checks it to the pinned roots.
 */
public enum CollateralKind {
    TCB_INFO("TCB Info", "TCB-Info-Issuer-Chain"),
    QE_IDENTITY("QE Identity", "SGX-Enclave-Identity-Issuer-Chain"),
    PCK_CRL("PCK CRL", "SGX-PCK-CRL-Issuer-Chain"),
    ROOT_CA_CRL("Intel SGX Root CA CRL", null),
    AMD_CRL("AMD CRL", null),
    ENDORSEMENT_KEY("VCEK certificate", null);

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonParser.Feature.ALLOW_COMMENTS)
            .build();

    private final String label;
    private final String issuerChainHeader;

    CollateralKind(String label, String issuerChainHeader) {
        this.label = label;
        this.issuerChainHeader = issuerChainHeader;
    }

    public String label() {
        return label;
    }

    /** The response header carrying the issuer chain (URL-encoded PEM), or null when the service sends none. */
    String issuerChainHeader() {
        return issuerChainHeader;
    }

    /** A response body in the form Veil ships it, and the instant after which it must be fetched again. */
    public record Current(byte[] body, Instant nextUpdate) {
    }

    /**
     * Reads {@code body} as this kind. CRLs arrive as DER, PEM or (from some PCCS versions) hex-encoded DER and are
     * kept as DER; JSON and certificates are kept as they came.
     * @throws IOException when the body is not this kind of collateral
     */
    public Current read(byte[] body) throws IOException {
        return switch (this) {
            case TCB_INFO -> new Current(body, jsonNextUpdate(body, "tcbInfo"));
            case QE_IDENTITY -> new Current(body, jsonNextUpdate(body, "enclaveIdentity"));
            case PCK_CRL, ROOT_CA_CRL, AMD_CRL -> crl(body);
            case ENDORSEMENT_KEY -> new Current(body, certificate(body).getNotAfter().toInstant());
        };
    }

    private Instant jsonNextUpdate(byte[] body, String field) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw notThisKind("it is not JSON");
        }
        JsonNode next = root == null ? null : root.path(field).get("nextUpdate");
        if (next == null || !next.isTextual()) {
            throw notThisKind("it has no " + field + ".nextUpdate");
        }
        try {
            return Instant.parse(next.asText());
        } catch (DateTimeParseException e) {
            throw notThisKind(field + ".nextUpdate is not an ISO-8601 instant");
        }
    }

    private Current crl(byte[] body) throws IOException {
        byte[] der = isHex(body) ? HexFormat.of().parseHex(new String(body, StandardCharsets.US_ASCII).strip()) : body;
        X509CRL crl;
        try {
            crl = (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(new ByteArrayInputStream(der));
        } catch (CRLException | CertificateException | RuntimeException e) {
            throw notThisKind("it is not a CRL");
        }
        if (crl == null) {
            throw notThisKind("it is not a CRL");
        }
        // A CRL without nextUpdate gives no reuse period: it is fetched again at every refresh.
        Instant next = crl.getNextUpdate() == null ? Instant.EPOCH : crl.getNextUpdate().toInstant();
        try {
            return new Current(crl.getEncoded(), next);
        } catch (CRLException e) {
            throw notThisKind("its CRL cannot be re-encoded");
        }
    }

    private X509Certificate certificate(byte[] body) throws IOException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(body));
        } catch (CertificateException | RuntimeException e) {
            throw notThisKind("it is not an X.509 certificate");
        }
    }

    private static boolean isHex(byte[] body) {
        String s = new String(body, StandardCharsets.US_ASCII).strip();
        return !s.isEmpty() && s.length() % 2 == 0 && s.chars().allMatch(c -> Character.digit(c, 16) >= 0);
    }

    private IOException notThisKind(String why) {
        return new IOException("the response is not a " + label + " (" + why + ")");
    }
}
