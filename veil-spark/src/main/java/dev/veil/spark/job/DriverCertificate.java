package dev.veil.spark.job;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Base64;

/**
 * The attested driver's TLS certificate as a launched executor receives it: in a Spark setting of the driver's
 * configuration that Spark hands every executor at its start ({@link #SETTING}, a {@code spark.ssl.*} start-up setting,
 * which standalone workers, YARN and Kubernetes pass to the executor's JVM as {@code -D}), from which the executor writes
 * its own trust store. A trust store file named by the driver would have to be copied to every executor host, and Spark
 * does not pass the stores' passwords to executors on every cluster manager. The certificate is not a secret, and
 * whoever starts the executor can name another: the executor refuses it, before it connects, unless the attested
 * driver's statement names it ({@link DriverAtStart}).
 */
final class DriverCertificate {
    /** The driver's certificate, DER in standard base64: a start-up setting, so Spark passes it to executors as it is. */
    static final String SETTING = "spark.ssl.veil.driverCertificate";
    /** Far above a self-signed EC certificate's few hundred bytes; what is longer is not the driver's. */
    private static final int MAX_BYTES = 8192;

    private DriverCertificate() {
    }

    static String encode(byte[] der) {
        return Base64.getEncoder().encodeToString(der);
    }

    /**
     * The one certificate {@code base64} holds: strict base64 of exactly one DER X.509 certificate, nothing before or
     * after it (its encoding must be the bytes given).
     */
    static X509Certificate parse(String base64) throws ExecutorLaunch.Refused {
        byte[] der;
        try {
            der = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new ExecutorLaunch.Refused(SETTING + " is not base64");
        }
        if (der.length == 0 || der.length > MAX_BYTES) {
            throw new ExecutorLaunch.Refused(SETTING + " is not a driver's certificate (" + der.length + " bytes)");
        }
        try {
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
            if (!Arrays.equals(cert.getEncoded(), der)) {
                throw new ExecutorLaunch.Refused(SETTING + " holds more than one DER certificate");
            }
            return cert;
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new ExecutorLaunch.Refused(SETTING + " is not an X.509 certificate");
        }
    }

    /** Writes a trust store holding {@code cert} alone, 0600 in a private directory removed when the JVM exits. */
    static Path trustStore(X509Certificate cert) throws IOException {
        try {
            Path dir = Files.createTempDirectory("veil-executor-trust-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path file = dir.resolve("driver-trust.p12");
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("driver", cert);
            DriverTls.write(trust, file);
            file.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return file;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot write the executor's trust store", e);
        }
    }
}
