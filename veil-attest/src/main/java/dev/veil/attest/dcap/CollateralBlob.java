package dev.veil.attest.dcap;

import dev.veil.attest.AttestationException;
import dev.veil.attest.x509.X509Blob;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * One DCAP collateral blob read to its last byte, or refused: a PCS response (JSON), or certificates and CRLs in DER
 * or PEM ({@link X509Blob}). Nothing is skipped: a blob left partly or wholly unread would make its kind look absent,
 * and the other source's copy would then decide the status or the revocation in its place. A UTF-8 byte order mark
 * before the content is dropped (editors add one; it is outside every signature); any other encoding is refused.
 */
final class CollateralBlob {
    private static final String EXPECTED = "a PCS response (JSON), or certificates and CRLs in DER or PEM, readable to the last byte";

    /** What one blob holds. */
    record Contents(List<X509Certificate> certificates, List<X509CRL> crls, List<Signed<? extends IntelSigned>> responses) {
        Contents {
            certificates = List.copyOf(certificates);
            crls = List.copyOf(crls);
            responses = List.copyOf(responses);
        }
    }

    private CollateralBlob() {
    }

    /** @param name which blob, for the refusal (e.g. "verifier's collateral item 3 of 7") */
    static Contents read(byte[] blob, String name) throws AttestationException {
        byte[] content = X509Blob.withoutUtf8Bom(blob);
        if (PcsResponse.isJson(content)) {
            return new Contents(List.of(), List.of(), List.of(PcsResponse.read(content)));
        }
        X509Blob.Contents x509 = X509Blob.read(blob, name, "a PCS response, certificate or CRL", EXPECTED);
        return new Contents(x509.certificates(), x509.crls(), List.of());
    }
}
