package dev.veil.spark.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Collections;
import org.junit.jupiter.api.Test;

/**
 * The cluster manager writes a launched executor's {@code -Dspark.ssl.veil.driverCertificate}, from which the executor
 * makes its only trust: anything but exactly one DER certificate is refused before Spark starts, so that what the
 * executor trusts is the one certificate it later compares with the attested driver's statement, nothing more.
 */
class DriverCertificateSettingAttackTest {
    private static byte[] certificate() throws Exception {
        return DriverTls.selfSigned(DriverTls.newKeyPair()).getEncoded();
    }

    @Test
    void theDriversCertificateBecomesTheExecutorsOnlyTrust() throws Exception {
        byte[] der = certificate();
        X509Certificate parsed = DriverCertificate.parse(DriverCertificate.encode(der));
        Path store = DriverCertificate.trustStore(parsed);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(store)) {
            trust.load(in, DriverTls.STORE_PASSWORD.toCharArray());
        }
        assertThat(Collections.list(trust.aliases())).hasSize(1);
        assertThat(trust.getCertificate(Collections.list(trust.aliases()).get(0)).getEncoded()).isEqualTo(der);
        assertThat(Files.getPosixFilePermissions(store)).isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void aSecondCertificateAppendedToTheDriversIsRefused() throws Exception {
        byte[] one = certificate();
        byte[] two = certificate();
        byte[] both = new byte[one.length + two.length];
        System.arraycopy(one, 0, both, 0, one.length);
        System.arraycopy(two, 0, both, one.length, two.length);
        assertThatThrownBy(() -> DriverCertificate.parse(Base64.getEncoder().encodeToString(both)))
                .isInstanceOf(ExecutorLaunch.Refused.class).hasMessageContaining("more than one DER certificate");
    }

    @Test
    void bytesAfterTheCertificateAreRefused() throws Exception {
        byte[] der = certificate();
        byte[] longer = java.util.Arrays.copyOf(der, der.length + 1);
        assertThatThrownBy(() -> DriverCertificate.parse(Base64.getEncoder().encodeToString(longer)))
                .isInstanceOf(ExecutorLaunch.Refused.class);
    }

    @Test
    void aPemCertificateOrAnythingButStrictBase64IsRefused() throws Exception {
        byte[] der = certificate();
        String pem = "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder().encodeToString(der) + "\n-----END CERTIFICATE-----\n";
        assertThatThrownBy(() -> DriverCertificate.parse(pem)).isInstanceOf(ExecutorLaunch.Refused.class)
                .hasMessageContaining("is not base64");
        assertThatThrownBy(() -> DriverCertificate.parse("")).isInstanceOf(ExecutorLaunch.Refused.class);
        assertThatThrownBy(() -> DriverCertificate.parse(Base64.getEncoder().encodeToString(new byte[64])))
                .isInstanceOf(ExecutorLaunch.Refused.class).hasMessageContaining("not an X.509 certificate");
    }
}
