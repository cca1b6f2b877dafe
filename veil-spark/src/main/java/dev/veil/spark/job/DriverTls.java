package dev.veil.spark.job;

import dev.veil.protocol.json.Digests;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The driver's identity on Spark's own RPC: a fresh TLS key (EC P-256) and a self-signed certificate, made inside the
 * driver's TEE before Spark starts, and the Spark settings that turn on Spark's RPC TLS ({@code spark.ssl.rpc.*}) with
 * this key as the driver's and this certificate as the only one the executors' connections trust. The driver's
 * attested statement names the certificate ({@link DriverStatement}), and each executor checks, before it attests,
 * that the trust its own RPC connection was built with is this certificate alone ({@link SparkRpcTrust}): so an
 * executor started against a driver without this key (the cluster manager's own) never registers when Veil's launcher
 * started it ({@link ExecutorLaunch}), and never attests in Veil's attestation stage otherwise (where a driver running
 * code of its own on the executors is not stopped: docs/SCALE-OUT.md, trust model).
 *
 * <p>Spark reads both stores from files named in its configuration, at start-up, in every process: they are written
 * 0600 into a private directory, under a fixed password ({@link #STORE_PASSWORD}), and removed at {@link #close}. Spark's
 * RPC TLS does not authenticate clients, and every process loads a key store for its own server side: executors started
 * by Spark's own entry point on this machine (local-cluster) load this one, which lets them fetch broadcast blocks from
 * one another; executors started by Veil's launcher make their own key ({@link ExecutorTlsKey}), so the driver's never
 * leaves its TEE, and need only the trust store (docs/SCALE-OUT.md).
 */
final class DriverTls implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Longer than any job; the executors' TLS checks the dates, nothing else depends on them. */
    private static final Duration VALIDITY = Duration.ofDays(7);

    private final Path dir;
    private final Path keyStore;
    private final Path trustStore;
    /**
     * The password of every Spark TLS store Veil writes. Not a secret: Spark hands every {@code spark.*} setting,
     * passwords included, to whoever holds the application's authentication secret, so the stores are protected by the
     * file system of the TEE they are in (0600, a private directory), never by this. Fixed, because Spark's executors
     * take the driver's passwords over their own (passwords are not Spark start-up settings), and an executor's key
     * store is its own ({@link ExecutorTlsKey}).
     */
    static final String STORE_PASSWORD = "veil-spark-tls";
    private final String password = STORE_PASSWORD;
    private final String authSecret;
    private final byte[] certificate;

    DriverTls() throws IOException {
        try {
            KeyPair pair = newKeyPair();
            X509Certificate cert = selfSigned(pair);
            certificate = cert.getEncoded();
            byte[] secret = new byte[32];
            RANDOM.nextBytes(secret);
            authSecret = HexFormat.of().formatHex(secret);
            dir = Files.createTempDirectory("veil-driver-tls-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            keyStore = dir.resolve("driver-key.p12");
            trustStore = dir.resolve("driver-trust.p12");
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("driver", pair.getPrivate(), password.toCharArray(), new X509Certificate[] {cert});
            write(keys, keyStore);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("driver", cert);
            write(trust, trustStore);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make the driver's TLS key", e);
        }
    }

    /** A fresh EC P-256 key pair. */
    static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return g.generateKeyPair();
    }

    static X509Certificate selfSigned(KeyPair pair) throws GeneralSecurityException, OperatorCreationException {
        Instant now = Instant.now();
        X500Name name = new X500Name("CN=veil batch");
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, new BigInteger(64, RANDOM).add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(VALIDITY)), name, pair.getPublic());
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
    }

    static void write(KeyStore store, Path file) throws IOException, GeneralSecurityException {
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            store.store(out, STORE_PASSWORD.toCharArray());
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }

    /** The certificate's SHA-256, as the driver's statement names it and the executors compare it. */
    String certificateSha256() {
        return Digests.hex(Digests.sha256(certificate));
    }

    /**
     * Spark's RPC (and block transfer) over TLS: this key for the driver, this certificate the only trust, read once at
     * start-up (no reloading: a trust store swapped later is never read), the JDK's TLS (the executors check the JDK's
     * trust manager, {@link SparkRpcTrust}); and Spark's authentication of every connection by a fresh shared secret.
     */
    Map<String, String> sparkSettings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("spark.ssl.rpc.enabled", "true");
        s.put("spark.ssl.rpc.keyStore", keyStore.toString());
        s.put("spark.ssl.rpc.keyStorePassword", password);
        s.put("spark.ssl.rpc.keyPassword", password);
        s.put("spark.ssl.rpc.trustStore", trustStore.toString());
        s.put("spark.ssl.rpc.trustStorePassword", password);
        s.put("spark.ssl.rpc.trustStoreReloadingEnabled", "false");
        s.put("spark.ssl.rpc.openSslEnabled", "false");
        // the certificate itself, for executors on other hosts, which have no copy of the trust store (DriverCertificate)
        s.put(DriverCertificate.SETTING, DriverCertificate.encode(certificate));
        // and every connection (RPC, block transfer) authenticated by a secret drawn here: without it, anyone on the network
        // could register as an executor, ask the driver for the application's settings, or store blocks (a task binary
        // under the next broadcast id) in an executor's block manager, which Spark's TLS alone, asking no client
        // certificate, does not stop. Spark hands the secret to the executors through the cluster manager (a standalone
        // worker's environment, a pod's), so this keeps out the network, not the cluster manager (docs/SCALE-OUT.md). On
        // Kubernetes Spark draws a secret of its own instead and writes it into each executor pod's spec.
        s.put("spark.authenticate", "true");
        s.put("spark.authenticate.secret", authSecret);
        return s;
    }

    /** Removes both stores and their directory (the key lives on in running processes only). */
    @Override
    public void close() {
        try {
            Files.deleteIfExists(keyStore);
            Files.deleteIfExists(trustStore);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the driver's TLS key store", e);
        }
    }
}
