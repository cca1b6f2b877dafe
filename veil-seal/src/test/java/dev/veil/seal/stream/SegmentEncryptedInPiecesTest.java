package dev.veil.seal.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A segment is encrypted in pieces ({@link GcmHkdfStream#ENCRYPT_PIECE}) for the JIT's sake; its ciphertext and tag
 * must be exactly what one AES-GCM call over the whole segment gives, at every length around the piece boundaries.
 */
class SegmentEncryptedInPiecesTest {
    private static final int PIECE = GcmHkdfStream.ENCRYPT_PIECE;

    @ParameterizedTest
    @ValueSource(ints = {0, 1, PIECE - 1, PIECE, PIECE + 1, 2 * PIECE, 2 * PIECE + 15, 65536 - 16, 100_003})
    void piecesGiveTheOneShotCiphertext(int length) throws Exception {
        Random r = new Random(length);
        byte[] ikm = new byte[32];
        byte[] salt = new byte[GcmHkdfStream.KEY_SIZE];
        byte[] prefix = new byte[GcmHkdfStream.NONCE_PREFIX_SIZE];
        byte[] ad = "header".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] plain = new byte[length];
        r.nextBytes(ikm);
        r.nextBytes(salt);
        r.nextBytes(prefix);
        r.nextBytes(plain);

        byte[] pieces = new byte[length + GcmHkdfStream.TAG_SIZE];
        int n = new GcmHkdfStream(ikm, salt, prefix, ad).process(Cipher.ENCRYPT_MODE, 3, true, plain, length, pieces);

        byte[] key = new byte[32];
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(ikm, salt, ad));
        hkdf.generateBytes(key, 0, key.length);
        byte[] nonce = ByteBuffer.allocate(12).put(prefix).putInt(3).put((byte) 1).array();
        Cipher oneShot = Cipher.getInstance("AES/GCM/NoPadding");
        oneShot.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
        byte[] expected = oneShot.doFinal(plain);

        assertThat(n).isEqualTo(expected.length);
        assertThat(pieces).isEqualTo(expected);
    }
}
