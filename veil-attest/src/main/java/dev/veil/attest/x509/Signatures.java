package dev.veil.attest.x509;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
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
 */
public final class Signatures {
    private static final Provider BC = new BouncyCastleProvider();
    private static final int MAX_CACHED = 4096;
    private static final Set<String> VERIFIED = ConcurrentHashMap.newKeySet();

    private Signatures() {
    }

    /** ECDSA over evidence with a raw r‖s signature (IEEE P1363), hash "SHA256" or "SHA384"; never cached. */
    public static boolean ecdsaP1363(String hash, PublicKey key, byte[] data, byte[] rs) {
        try {
            Signature s = Signature.getInstance(hash + "withPLAIN-ECDSA", BC);
            s.initVerify(key);
            s.update(data);
            return s.verify(rs);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
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
