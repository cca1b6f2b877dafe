package dev.veil.attest.x509;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * Every signature check on evidence and collateral goes through here. Two reasons: BouncyCastle's EC arithmetic is
 * several times faster than JDK 17's for P-384 (docs/BENCHMARKS.md), and collateral signatures are remembered — a VCEK,
 * PCK chain, TCB Info or CRL verified once need not be verified again for the next report. Evidence signatures (the
 * report or quote itself) are always checked afresh. Only successes are cached, keyed by a SHA-256 over algorithm,
 * key, signed bytes and signature, so a cached entry can only ever answer the exact same question. Validity windows
 * are not signatures and are still checked by callers on every use.
 *
 * <p>An EC key reaches BouncyCastle in its own form ({@link #inBouncyCastle}): handed the JDK's form, which is what a
 * parsed certificate holds, BouncyCastle converts it on every check to a generic curve, without its P-384 arithmetic
 * or the precomputation it keeps on a key's point: measured on this project's 2-core machine, 0.79–0.85 ms a P-384
 * check that way against 0.25–0.32 ms with the key converted once (JDK 17's and JDK 25's own: 2.7 ms).
 */
public final class Signatures {
    private static final Provider BC = new BouncyCastleProvider();
    private static final int MAX_CACHED = 4096;
    private static final Set<String> VERIFIED = ConcurrentHashMap.newKeySet();
    private static final int MAX_CONVERTED = 1024;
    /** EC public keys in BouncyCastle's form, by their exact X.509 encoding (the same key, only another representation). */
    private static final Map<ByteBuffer, PublicKey> CONVERTED = new ConcurrentHashMap<>();

    private Signatures() {
    }

    /** ECDSA over evidence with a raw r‖s signature (IEEE P1363), hash "SHA256" or "SHA384"; never cached. */
    public static boolean ecdsaP1363(String hash, PublicKey key, byte[] data, byte[] rs) {
        try {
            Signature s = Signature.getInstance(hash + "withPLAIN-ECDSA", BC);
            s.initVerify(inBouncyCastle(key));
            s.update(data);
            return s.verify(rs);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /**
     * {@code key} as BouncyCastle's own EC key, converted once per distinct encoding and remembered (at most
     * {@value #MAX_CONVERTED}); a key that is not EC, or that BouncyCastle cannot take, is returned as it is.
     */
    static PublicKey inBouncyCastle(PublicKey key) {
        if (!(key instanceof ECPublicKey) || key.getClass().getName().startsWith("org.bouncycastle.")) {
            return key;
        }
        byte[] encoded = key.getEncoded();
        if (encoded == null) {
            return key;
        }
        ByteBuffer id = ByteBuffer.wrap(encoded.clone());
        PublicKey converted = CONVERTED.get(id);
        if (converted == null) {
            try {
                converted = KeyFactory.getInstance("EC", BC).generatePublic(new X509EncodedKeySpec(encoded));
            } catch (GeneralSecurityException | RuntimeException e) {
                return key;
            }
            if (CONVERTED.size() >= MAX_CONVERTED) {
                CONVERTED.clear();
            }
            CONVERTED.put(id, converted);
        }
        return converted;
    }

    /** As {@link #ecdsaP1363} for collateral that repeats across verifications (TCB Info, QE Identity): cached. */
    public static boolean ecdsaP1363Collateral(String hash, PublicKey key, byte[] data, byte[] rs) {
        return cached("p1363:" + hash, key.getEncoded(), data, rs, () -> ecdsaP1363(hash, key, data, rs));
    }

    /** True when {@code cert} is signed by {@code issuerKey} (ECDSA or RSASSA-PSS as the certificate says). */
    public static boolean certificate(X509Certificate cert, PublicKey issuerKey) {
        byte[] der;
        try {
            der = cert.getEncoded();
        } catch (GeneralSecurityException e) {
            return false;
        }
        return cached("cert", issuerKey.getEncoded(), der, new byte[0], () -> {
            try {
                cert.verify(issuerKey, BC);
            } catch (GeneralSecurityException e) {
                cert.verify(issuerKey);   // algorithms BouncyCastle names differently fall back to the JDK
            }
            return true;
        });
    }

    public static boolean crl(X509CRL crl, PublicKey issuerKey) {
        byte[] der;
        try {
            der = crl.getEncoded();
        } catch (GeneralSecurityException e) {
            return false;
        }
        return cached("crl", issuerKey.getEncoded(), der, new byte[0], () -> {
            crl.verify(issuerKey, BC);
            return true;
        });
    }

    @FunctionalInterface
    private interface Check {
        boolean run() throws GeneralSecurityException;
    }

    private static boolean cached(String kind, byte[] key, byte[] data, byte[] sig, Check check) {
        String id;
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] part : new byte[][] {kind.getBytes(StandardCharsets.US_ASCII), key, data, sig}) {
                md.update(java.nio.ByteBuffer.allocate(4).putInt(part.length).array());
                md.update(part);
            }
            id = HexFormat.of().formatHex(md.digest());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        if (VERIFIED.contains(id)) {
            return true;
        }
        boolean ok;
        try {
            ok = check.run();
        } catch (GeneralSecurityException | RuntimeException e) {
            ok = false;
        }
        if (ok) {
            if (VERIFIED.size() >= MAX_CACHED) {
                VERIFIED.clear();
            }
            VERIFIED.add(id);
        }
        return ok;
    }
}
