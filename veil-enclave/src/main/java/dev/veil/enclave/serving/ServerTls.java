package dev.veil.enclave.serving;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operator's TLS certificate and key for {@code veil serve --tls-cert --tls-key}. TLS is the transport's: it hides
 * which routes are called and authenticates the host name to clients, while every request and answer is sealed end to
 * end whatever the transport, so confidentiality never depends on it. Read once at start, strictly: the certificate
 * file is a PEM chain, leaf first; the key file a PEM PKCS#8 private key ({@code BEGIN PRIVATE KEY}) readable by its
 * owner only, and the key of the leaf certificate.
 */
public final class ServerTls {
    private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE);
    private static final Pattern PKCS8 = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private final List<X509Certificate> chain;
    private final PrivateKey key;

    private ServerTls(List<X509Certificate> chain, PrivateKey key) {
        this.chain = chain;
        this.key = key;
    }

    /** Reads and checks the pair; an {@link IllegalArgumentException} says in one line what is wrong and what to do. */
    public static ServerTls load(Path certFile, Path keyFile) throws IOException {
        List<X509Certificate> chain = certificates(certFile);
        requireOwnerOnly(keyFile);
        PrivateKey key = privateKey(keyFile, chain.get(0).getPublicKey().getAlgorithm());
        requireKeyOfCertificate(key, chain.get(0), certFile, keyFile);
        return new ServerTls(chain, key);
    }

    /** The leaf certificate's subject, for the start-up line. */
    public String subject() {
        return chain.get(0).getSubjectX500Principal().getName();
    }

    /** An in-memory key store holding the pair, for Jetty's TLS context, and the password it is under. */
    KeyStore keyStore(char[] password) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("veil-serve", key, password, chain.toArray(Certificate[]::new));
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot hold the TLS key in memory: " + e.getClass().getSimpleName(), e);
        }
    }

    private static List<X509Certificate> certificates(Path file) throws IOException {
        byte[] pem = Files.readAllBytes(file);
        try {
            List<X509Certificate> chain = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem))
                    .stream().map(X509Certificate.class::cast).toList();
            if (!chain.isEmpty()) {
                return chain;
            }
        } catch (GeneralSecurityException e) {
            // reported below
        }
        throw new IllegalArgumentException("--tls-cert " + file + " holds no PEM certificate; give the server's certificate "
                + "chain, leaf first (-----BEGIN CERTIFICATE-----)");
    }

    private static void requireOwnerOnly(Path keyFile) throws IOException {
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(keyFile);
        } catch (UnsupportedOperationException e) {
            throw new IllegalArgumentException("--tls-key " + keyFile + ": cannot check who may read it on this file system; "
                    + "keep it on one with POSIX permissions, mode 0600");
        }
        if (!OWNER_ONLY.containsAll(perms)) {
            throw new IllegalArgumentException("--tls-key " + keyFile + " may be read by others (mode "
                    + java.nio.file.attribute.PosixFilePermissions.toString(perms) + "); make it readable by its owner only: "
                    + "chmod 600 " + keyFile);
        }
    }

    private static PrivateKey privateKey(Path file, String algorithm) throws IOException {
        byte[] pem = Files.readAllBytes(file);
        String text = new String(pem, StandardCharsets.US_ASCII);
        Arrays.fill(pem, (byte) 0);
        Matcher m = PKCS8.matcher(text);
        if (!m.find()) {
            throw new IllegalArgumentException("--tls-key " + file + " is not an unencrypted PEM PKCS#8 private key "
                    + "(-----BEGIN PRIVATE KEY-----); convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.p8");
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(1));
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("--tls-key " + file + " is not a " + algorithm + " private key, which the "
                    + "certificate's key is; give the key of --tls-cert");
        } finally {
            Arrays.fill(der, (byte) 0);
        }
    }

    /** Signs a random message with the key and verifies it with the leaf's public key. */
    private static void requireKeyOfCertificate(PrivateKey key, X509Certificate leaf, Path certFile, Path keyFile) {
        String alg = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> throw new IllegalArgumentException("--tls-key " + keyFile + " is a " + key.getAlgorithm()
                    + " key; use an RSA, EC or Ed25519 key");
        };
        byte[] message = new byte[32];
        new SecureRandom().nextBytes(message);
        try {
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(message);
            byte[] sig = s.sign();
            s.initVerify(leaf.getPublicKey());
            s.update(message);
            if (s.verify(sig)) {
                return;
            }
        } catch (GeneralSecurityException e) {
            // reported below
        }
        throw new IllegalArgumentException("--tls-key " + keyFile + " is not the key of the first certificate in --tls-cert "
                + certFile + "; give the pair the certificate was issued for");
    }
}
