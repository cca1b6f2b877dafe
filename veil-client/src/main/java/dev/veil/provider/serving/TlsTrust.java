package dev.veil.provider.serving;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Whom a client trusts for a serving enclave's TLS certificate when it is not a CA of the JDK's trust store: the CA
 * certificates of one PEM file ({@code --tls-ca}), and only those. The host name is checked as for any HTTPS URL. TLS
 * adds the transport's protections; the evidence, not the certificate, says which enclave answers.
 */
public final class TlsTrust {
    private TlsTrust() {
    }

    /** A TLS context that trusts the certificates in {@code caPem} alone; {@link IllegalArgumentException} if it holds none. */
    public static SSLContext trusting(Path caPem) throws IOException {
        byte[] pem = Files.readAllBytes(caPem);
        try {
            List<X509Certificate> cas = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem))
                    .stream().map(X509Certificate.class::cast).toList();
            if (cas.isEmpty()) {
                throw new IllegalArgumentException("--tls-ca " + caPem + " holds no PEM certificate; give the CA that issued "
                        + "the server's certificate (-----BEGIN CERTIFICATE-----)");
            }
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                trusted.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trusted);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return context;
        } catch (java.security.cert.CertificateException e) {
            throw new IllegalArgumentException("--tls-ca " + caPem + " is not a PEM certificate file; give the CA that issued "
                    + "the server's certificate (-----BEGIN CERTIFICATE-----)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot build a TLS context: " + e.getClass().getSimpleName(), e);
        }
    }
}
