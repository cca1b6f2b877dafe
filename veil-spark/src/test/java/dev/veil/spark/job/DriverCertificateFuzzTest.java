package dev.veil.spark.job;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.util.Arrays;
import java.util.Base64;

/**
 * The cluster manager's {@code -Dspark.ssl.veil.driverCertificate} as a launched executor reads it: parsed to exactly
 * one certificate whose DER encoding is the bytes given, or refused ({@code ExecutorLaunch.Refused}); nothing else
 * thrown. Seeds: a driver's certificate as {@code DriverTls} makes it, in base64, and the same with bytes appended.
 * Seeds run in the normal suite; JAZZER_FUZZ=1 fuzzes (docs/FUZZING.md).
 */
class DriverCertificateFuzzTest {
    @FuzzTest(maxDuration = "5s")
    void parse(FuzzedDataProvider data) throws CertificateEncodingException {
        String setting = new String(data.consumeRemainingAsBytes(), StandardCharsets.ISO_8859_1);
        try {
            byte[] der = DriverCertificate.parse(setting).getEncoded();
            if (!Arrays.equals(der, Base64.getDecoder().decode(setting))) {
                throw new IllegalStateException("a certificate parsed that is not the bytes given");
            }
        } catch (ExecutorLaunch.Refused expected) {
            // refused with a reason
        }
    }
}
