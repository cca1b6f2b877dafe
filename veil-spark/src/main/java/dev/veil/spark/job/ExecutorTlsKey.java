package dev.veil.spark.job;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;

/**
 * A launched executor's own TLS key for Spark's block server ({@link ExecutorLaunch}). Spark's TLS needs a key store in
 * every process, and with the driver's trust store alone, the one that would let executors serve blocks to one another
 * is the driver's key: on a cluster, someone would have to copy the attested driver's private key to every executor
 * host, and whoever did (the cluster manager) could then run a driver of its own that every executor trusts. So each
 * launched executor makes a fresh key and self-signed certificate, written 0600 into a private directory, and uses it
 * whatever key store its JVM was given. No one trusts it: the driver and other executors do not fetch blocks from it
 * (an executor fetching a broadcast's pieces falls back to the driver, which holds them all; task results come back
 * with the task's status), and its block server serves uploads to no one anyway ({@link BlockUploads}).
 */
final class ExecutorTlsKey {
    private ExecutorTlsKey() {
    }

    /** Writes a fresh key store and returns its path (the directory is removed when the JVM exits). */
    static Path create() throws IOException {
        try {
            KeyPair pair = DriverTls.newKeyPair();
            X509Certificate cert = DriverTls.selfSigned(pair);
            Path dir = Files.createTempDirectory("veil-executor-tls-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path file = dir.resolve("executor-key.p12");
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("executor", pair.getPrivate(), DriverTls.STORE_PASSWORD.toCharArray(), new X509Certificate[] {cert});
            DriverTls.write(keys, file);
            file.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return file;
        } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException("cannot make the executor's TLS key", e);
        }
    }
}
