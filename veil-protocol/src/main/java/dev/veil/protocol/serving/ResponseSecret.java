package dev.veil.protocol.serving;

import dev.veil.protocol.json.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * What seals the response to one request, as RFC 9458 §4.4 does: the secret both ends exported from the request's
 * HPKE context (length Nk), and the request's {@code enc}. For each response:
 * <pre>
 *   response_nonce = random(max(Nn, Nk))
 *   salt = enc ‖ response_nonce
 *   prk = HKDF-Extract(salt, secret)
 *   aead_key = HKDF-Expand(prk, "key", Nk); aead_nonce = HKDF-Expand(prk, "nonce", Nn)
 *   encapsulated response = response_nonce ‖ AEAD-Seal(aead_key, aead_nonce, "", response)
 * </pre>
 * Only the request's sender and the holder of the instance key that opened it know the secret. HKDF is SHA-256 in
 * every Veil suite (and in RFC 9458's example); the AEAD is AES-GCM with a key of Nk bytes.
 */
final class ResponseSecret {
    private static final int TAG_BITS = 128;
    /** Bytes per call to AES-GCM when sealing (see {@link #seal(byte[], byte[])}). */
    static final int SEAL_PIECE = 16 * 1024;
    private final byte[] secret;
    private final byte[] enc;
    private final int nk;
    private final int nn;

    ResponseSecret(byte[] secret, byte[] enc, int nk, int nn) {
        if (secret.length != nk) {
            throw new IllegalArgumentException("response secret must be Nk = " + nk + " bytes");
        }
        this.secret = secret.clone();
        this.enc = enc.clone();
        this.nk = nk;
        this.nn = nn;
    }

    /** Veil's suites: AES-256-GCM. */
    static ResponseSecret veil(byte[] exported, byte[] enc) {
        return new ResponseSecret(exported, enc, ObliviousEncapsulation.AEAD_KEY_LENGTH, ObliviousEncapsulation.AEAD_NONCE_LENGTH);
    }

    int responseNonceLength() {
        return Math.max(nn, nk);
    }

    byte[] seal(byte[] response) {
        return seal(List.of(response));
    }

    /**
     * The response that is {@code parts} one after the other, sealed without joining them first: a 1.5 MB output is
     * read once, by AES-GCM, straight into the sealed answer.
     */
    byte[] seal(List<byte[]> parts) {
        byte[] responseNonce = new byte[responseNonceLength()];
        new SecureRandom().nextBytes(responseNonce);
        return seal(responseNonce, parts);
    }

    /** With a given nonce: for RFC 9458's example and tests only; {@link #seal(byte[])} draws it at random. */
    byte[] seal(byte[] responseNonce, byte[] response) {
        return seal(responseNonce, List.of(response));
    }

    /**
     * With a given nonce (tests only, as above). Each part goes to AES-GCM in pieces of {@value #SEAL_PIECE} bytes (the ciphertext is the one-shot one over the
     * parts joined: GCM is a stream), written straight after the nonce. Why pieces: the JDK (17 and 25) seals a large
     * buffer given in one call on a path its JIT compiles only after a few hundred such calls, at about 50 MB/s until
     * then (30 ms for MiniLM's 1.5 MB answer, measured on the shared build machine); pieces take the per-call path,
     * compiled after a few dozen answers and then at the CPU's AES and carry-less-multiply speed (0.6 ms).
     */
    byte[] seal(byte[] responseNonce, List<byte[]> parts) {
        long length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        if (length > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("a response of " + length + " bytes is too large to seal");
        }
        try {
            Cipher c = cipher(Cipher.ENCRYPT_MODE, responseNonce);
            byte[] out = Arrays.copyOf(responseNonce, responseNonce.length + c.getOutputSize((int) length));
            int at = responseNonce.length;
            for (byte[] part : parts) {
                for (int from = 0; from < part.length; from += SEAL_PIECE) {
                    at += c.update(part, from, Math.min(SEAL_PIECE, part.length - from), out, at);
                }
            }
            at += c.doFinal(out, at);
            if (at != out.length) {
                throw new IllegalStateException("AES-GCM wrote " + at + " bytes where " + out.length + " were due");
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable in this JVM", e);
        }
    }

    /**
     * Begins sealing a response whose parts but the last are {@code first}, and whose last part (room is made for
     * {@code lastRoom} bytes; more costs a copy) is not known yet: the bytes in the end are those {@link #seal(List)}
     * makes of all the parts. The key and nonce are derived here, once.
     */
    Sealing begin(List<byte[]> first, int lastRoom) {
        byte[] responseNonce = new byte[responseNonceLength()];
        new SecureRandom().nextBytes(responseNonce);
        return begin(responseNonce, first, lastRoom);
    }

    /** With a given nonce: tests only, as {@link #seal(byte[], List)}. */
    Sealing begin(byte[] responseNonce, List<byte[]> first, int lastRoom) {
        long length = lastRoom;
        for (byte[] part : first) {
            length += part.length;
        }
        if (length > Integer.MAX_VALUE - 64) {
            throw new IllegalArgumentException("a response of " + length + " bytes is too large to seal");
        }
        try {
            Cipher c = cipher(Cipher.ENCRYPT_MODE, responseNonce);
            return new Sealing(c, first, Arrays.copyOf(responseNonce, responseNonce.length + c.getOutputSize((int) length)),
                    responseNonce.length);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable in this JVM", e);
        }
    }

    /**
     * A response sealed in two steps, so that its large parts are sealed while the caller makes its last one (a server
     * hashes an answer's output for the log while the output is sealed): {@link #sealFirst()} on any one thread, then
     * {@link #finish(byte[])} after it.
     */
    static final class Sealing {
        private final Cipher cipher;
        private final List<byte[]> first;
        private byte[] out;
        private int at;

        private Sealing(Cipher cipher, List<byte[]> first, byte[] out, int at) {
            this.cipher = cipher;
            this.first = first;
            this.out = out;
            this.at = at;
        }

        /** Seals the parts given to {@link #begin}, in pieces as {@link #seal(byte[], List)} does. */
        void sealFirst() {
            for (byte[] part : first) {
                update(part);
            }
        }

        /** Seals {@code last} and the tag: the sealed response is the returned array's first {@code length} bytes. */
        SealedAnswer finish(byte[] last) {
            try {
                int needed = at + cipher.getOutputSize(last.length);
                if (needed > out.length) {
                    out = Arrays.copyOf(out, needed);
                }
                update(last);
                at += cipher.doFinal(out, at);
                return new SealedAnswer(out, at);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM failed to seal", e);
            }
        }

        private void update(byte[] part) {
            try {
                for (int from = 0; from < part.length; from += SEAL_PIECE) {
                    at += cipher.update(part, from, Math.min(SEAL_PIECE, part.length - from), out, at);
                }
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM failed to seal", e);
            }
        }
    }

    byte[] open(byte[] encapsulatedResponse) throws ProtocolException {
        int n = responseNonceLength();
        if (encapsulatedResponse.length < n + TAG_BITS / 8) {
            throw new ProtocolException("encapsulated response is " + encapsulatedResponse.length + " bytes, shorter than its nonce and tag");
        }
        byte[] responseNonce = Arrays.copyOf(encapsulatedResponse, n);
        try {
            return cipher(Cipher.DECRYPT_MODE, responseNonce).doFinal(encapsulatedResponse, n, encapsulatedResponse.length - n);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new ProtocolException("response does not open with this request's keys: it answers another request, "
                    + "or was altered");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is unavailable in this JVM", e);
        }
    }

    /** HKDF-Expand(HKDF-Extract(enc ‖ response_nonce, secret), label, length). */
    byte[] derive(byte[] responseNonce, String label, int length) {
        byte[] salt = Arrays.copyOf(enc, enc.length + responseNonce.length);
        System.arraycopy(responseNonce, 0, salt, enc.length, responseNonce.length);
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(secret, salt, label.getBytes(StandardCharsets.US_ASCII)));
        byte[] out = new byte[length];
        hkdf.generateBytes(out, 0, length);
        return out;
    }

    private Cipher cipher(int mode, byte[] responseNonce) throws GeneralSecurityException {
        if (responseNonce.length != responseNonceLength()) {
            throw new IllegalArgumentException("response_nonce must be " + responseNonceLength() + " bytes");
        }
        byte[] key = derive(responseNonce, "key", nk);
        byte[] nonce = derive(responseNonce, "nonce", nn);
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
        Arrays.fill(key, (byte) 0);
        return c;
    }
}
